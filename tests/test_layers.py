"""The layering, checked from the source (``ast``; nothing of gongshu is imported).

- No import circle between apps. An app's HTTP/admin/CLI surface (api.py, *_api.py,
  admin.py, schemas.py, apps.py, urls.py, views, management/, middleware.py,
  templatetags/) is its own node ``<app>:surface`` that may import any app; the root's
  api.py, urls.py, cli.py and wsgi.py are ``gongshu:surface``. Migrations are left out.
- The ground floors: policy/ imports only policy; engine/ only policy, engine and config.
- No function-level ``gongshu`` import in gongshu/ (hidden cycles and import-time
  surprises live there).
- Only gongshu/gate/ constructs an allowing ``Decision`` or records a read
  (``record_access``).
- An event handler (policy/events.py's table) is called only by ``events.emit``.

Each checker is a plain function over a source tree, so the self-tests at the end run it
on a small synthetic tree with a violation and see it caught.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "gongshu"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE

# Module or package names that make a module part of its app's surface, at any depth
# below the app (views/, management/commands/..., templatetags/...).
SURFACE_PARTS = frozenset(
    {"api", "admin", "schemas", "apps", "urls", "middleware", "views", "management", "templatetags"}
)
ROOT_SURFACE = frozenset({"api", "urls", "cli", "wsgi"})
ROOT_NODE = PACKAGE  # gongshu/__init__.py
ROOT_SURFACE_NODE = f"{PACKAGE}:surface"

# The ground floors: app -> the gongshu modules it may import (by prefix).
GROUND_FLOORS = {
    "policy": (f"{PACKAGE}.policy",),
    "engine": (f"{PACKAGE}.policy", f"{PACKAGE}.engine", f"{PACKAGE}.config"),
}

# The layering, lowest first (docs/architecture.md): a circle's edges that go up it are
# marked in the failure, as the likely ones to cut.
LAYERS = (
    "policy",
    "engine",
    "audit",
    "orgs",
    "catalog",
    "privacy",
    "access",
    "billing",
    "gate",
    "tabular",
)

# Only this package constructs an allowing Decision or records a read.
GATE = "gate"
ACCESS_RECORDER = "record_access"


# --- reading the tree -----------------------------------------------------------------


@dataclass(frozen=True)
class Import:
    file: str  # relative to the tree's parent, e.g. "gongshu/catalog/services.py"
    line: int
    source: str  # the importing module, dotted
    target: str  # the imported module, dotted (resolved against the tree)
    in_function: bool

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


def python_files(root: Path) -> Iterator[Path]:
    """The package's modules, migrations left out."""
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if "migrations" in parts or "__pycache__" in parts:
            continue
        yield path


def module_name(root: Path, path: Path) -> str:
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(root: Path, dotted: str) -> bool:
    parts = dotted.split(".")
    if parts[0] != root.name:
        return False
    base = root.joinpath(*parts[1:])
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node: ast.AST, in_function: bool = False) -> Iterator[tuple[ast.AST, bool]]:
    """Every node below ``node`` with whether it sits inside a function, leaving out the
    bodies of ``if TYPE_CHECKING:`` (their ``else`` still runs)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield other, in_function
                yield from _walk(other, in_function)
            continue
        yield child, in_function
        inner = in_function or isinstance(
            child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
        )
        yield from _walk(child, inner)


def imports_of(root: Path, path: Path, tree: ast.AST | None = None) -> list[Import]:
    """The ``gongshu`` imports in ``path``, each resolved to the module it loads: for
    ``from a import b`` that is ``a.b`` when ``a.b`` is a module, else ``a``."""
    source = module_name(root, path)
    is_package = path.name == "__init__.py"
    tree = tree or ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    file = str(path.relative_to(root.parent))
    found: list[Import] = []
    for node, in_function in _walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = source.split(".") if is_package else source.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join(package + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                targets.append(candidate if _is_module(root, candidate) else base)
        for target in dict.fromkeys(targets):  # `from a import b, c` loading `a` once
            if target == root.name or target.startswith(root.name + "."):
                found.append(Import(file, node.lineno, source, target, in_function))
    return found


def all_imports(root: Path) -> list[Import]:
    return [imp for path in python_files(root) for imp in imports_of(root, path)]


def node_of(root: Path, dotted: str) -> str:
    """The app node a module belongs to: ``catalog``, ``catalog:surface``, ..."""
    parts = dotted.split(".")[1:]
    if not parts:
        return ROOT_NODE
    app, rest = parts[0], parts[1:]
    if not rest and not (root / app).is_dir():
        return ROOT_SURFACE_NODE if app in ROOT_SURFACE else app
    if any(part in SURFACE_PARTS or part.endswith("_api") for part in rest):
        return f"{app}:surface"
    return app


# --- a. no import circle between apps ---------------------------------------------------


def import_graph(root: Path) -> dict[str, dict[str, Import]]:
    """node -> {imported node: one example import}."""
    graph: dict[str, dict[str, Import]] = {}
    for imp in all_imports(root):
        source, target = node_of(root, imp.source), node_of(root, imp.target)
        graph.setdefault(source, {})
        graph.setdefault(target, {})
        if source != target:
            graph[source].setdefault(target, imp)
    return graph


def strongly_connected(graph: dict[str, dict[str, Import]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one node."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(components)


def _shortest_cycle(graph: dict[str, dict[str, Import]], members: list[str]) -> list[str]:
    start, inside = members[0], set(members)
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for other in sorted(graph[node]):
            if other not in inside:
                continue
            if other == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if other not in came_from:
                came_from[other] = node
                queue.append(other)
    return members  # not reached for a strongly connected component


def _goes_up(source: str, target: str) -> bool:
    if source in LAYERS and target in LAYERS:
        return LAYERS.index(source) < LAYERS.index(target)
    return source in LAYERS and target.endswith(":surface")


def import_cycles(root: Path) -> list[str]:
    """One message per circle: its nodes, a shortest cycle, and every import edge inside
    the circle with an example (file:line) — any of those edges may be the one to cut."""
    graph = import_graph(root)
    messages = []
    for members in strongly_connected(graph):
        cycle = _shortest_cycle(graph, members)
        lines = [f"circle between {', '.join(members)}: e.g. {' -> '.join(cycle)}"]
        for source in members:
            for target, imp in sorted(graph[source].items()):
                if target in members:
                    up = _goes_up(source, target)
                    lines.append(
                        f"  {source} -> {target}: {imp.where} imports {imp.target}"
                        + ("  <- goes up the layering" if up else "")
                    )
        messages.append("\n".join(lines))
    return messages


def ground_floor_violations(root: Path) -> list[str]:
    found = []
    for imp in all_imports(root):
        app = imp.source.split(".")[1] if "." in imp.source else ""
        allowed = GROUND_FLOORS.get(app)
        if allowed is None:
            continue
        if not any(imp.target == a or imp.target.startswith(a + ".") for a in allowed):
            found.append(f"{imp.where}: {app} imports {imp.target}")
    return found


# --- b. no function-level gongshu import ---------------------------------------------


def function_level_imports(root: Path) -> list[str]:
    return [
        f"{imp.where}: imports {imp.target} inside a function"
        for imp in all_imports(root)
        if imp.in_function
    ]


# --- c. only the gate allows ------------------------------------------------------------


def _called(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _is_false(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def _may_allow(node: ast.Call) -> bool:
    """Whether this ``Decision(...)`` may be an allowing one: its ``allowed`` is not the
    literal False (or is not visible at all: ``Decision(*args)``, ``Decision(**kw)``)."""
    for keyword in node.keywords:
        if keyword.arg == "allowed":
            return not _is_false(keyword.value)
    if node.args and not isinstance(node.args[0], ast.Starred):
        return not _is_false(node.args[0])
    return True


def gate_bypasses(root: Path) -> list[str]:
    found = []
    for path in python_files(root):
        if path.relative_to(root).parts[0] == GATE:
            continue
        file = str(path.relative_to(root.parent))
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _called(node)
            if name == "Decision" and _may_allow(node):
                found.append(f"{file}:{node.lineno}: constructs an allowing Decision")
            elif name == "replace" and any(
                k.arg == "allowed" and not _is_false(k.value) for k in node.keywords
            ):
                found.append(f"{file}:{node.lineno}: turns a Decision into an allowing one")
            elif name == ACCESS_RECORDER:
                found.append(f"{file}:{node.lineno}: records a read ({ACCESS_RECORDER})")
    return found


# --- the checks ----------------------------------------------------------------------


def _report(title: str, problems: list[str]) -> str:
    return f"{title}:\n" + "\n".join(problems)


def test_no_import_circle_between_apps():
    cycles = import_cycles(ROOT)
    assert not cycles, _report("Apps import each other in a circle", cycles)


def test_ground_floors_import_nothing_above():
    problems = ground_floor_violations(ROOT)
    assert not problems, _report("policy/ and engine/ import from above", problems)


def test_no_function_level_gongshu_imports():
    problems = function_level_imports(ROOT)
    assert not problems, _report(
        "Import at module level (or invert the dependency with an event)", problems
    )


def test_only_the_gate_allows_and_records_reads():
    problems = gate_bypasses(ROOT)
    assert not problems, _report("Only gongshu/gate/ may allow a read or record it", problems)


def handler_paths(root: Path) -> list[str]:
    """The dotted paths in policy/events.py's ``Handler("...")`` rows."""
    tree = ast.parse((root / "policy" / "events.py").read_text(encoding="utf-8"))
    return [
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and _called(node) == "Handler"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    ]


def handler_calls(root: Path) -> list[str]:
    """Calls of an event handler by name outside its own module: what follows a change
    is reached through ``events.emit``, never called by the code that made the change."""
    names = dict(path.rsplit(".", 1)[::-1] for path in handler_paths(root))
    found = []
    for file in python_files(root):
        module = module_name(root, file)
        tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _called(node)
            short = name.rsplit(".", 1)[-1] if name else None
            if short in names and names[short] != module:
                found.append(f"{file.relative_to(root.parent)}:{node.lineno}: calls {short}")
    return found


def test_event_handlers_are_reached_only_through_events():
    assert len(handler_paths(ROOT)) >= 8  # the table is where this test looks
    problems = handler_calls(ROOT)
    assert not problems, _report("Emit the event instead of calling its handler", problems)


# --- the checks catch what they claim to ------------------------------------------------


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / PACKAGE
    for name, text in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_self_check_finds_an_import_circle(tmp_path):
    root = _tree(
        tmp_path,
        {
            "low/__init__.py": "",
            "low/models.py": "X = 1\n",
            "low/services.py": "import gongshu.high.services\n",
            "low/api.py": "from gongshu.high import services\n",  # surface: no circle
            "high/__init__.py": "",
            "high/services.py": "from gongshu.low import models\n",
            "high/typing_only.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from gongshu.low import api\n"
            ),
            "low/migrations/__init__.py": "",
            "low/migrations/0001_initial.py": "from gongshu.high import services\n",
            "other/__init__.py": "from .. import low\n",
            "api.py": "from gongshu.low.api import X\n",
        },
    )
    assert node_of(root, "gongshu.low.api") == "low:surface"
    assert node_of(root, "gongshu.api") == ROOT_SURFACE_NODE
    assert node_of(root, "gongshu.low.management.commands.x") == "low:surface"
    cycles = import_cycles(root)
    assert len(cycles) == 1, cycles
    assert cycles[0].startswith("circle between high, low:")
    assert "gongshu/low/services.py:1 imports gongshu.high.services" in cycles[0]
    assert "gongshu/high/services.py:1 imports gongshu.low.models" in cycles[0]
    assert "surface" not in cycles[0] and "migrations" not in cycles[0]
    assert "goes up" not in cycles[0]  # neither "low" nor "high" is a named layer
    assert _goes_up("privacy", "tabular") and not _goes_up("tabular", "privacy")
    assert "low" in import_graph(root)["other"]  # relative imports resolve too


def test_self_check_finds_a_ground_floor_looking_up(tmp_path):
    root = _tree(
        tmp_path,
        {
            "policy/__init__.py": "from gongshu.policy import masks\n",
            "policy/masks.py": "def f():\n    from gongshu.catalog import models\n",
            "engine/__init__.py": "from gongshu import config\nfrom gongshu.policy import sql\n",
            "engine/duck.py": "from gongshu.audit import services\n",
            "config.py": "",
            "audit/services.py": "",
            "catalog/models.py": "",
        },
    )
    assert ground_floor_violations(root) == [
        "gongshu/engine/duck.py:1: engine imports gongshu.audit.services",
        "gongshu/policy/masks.py:2: policy imports gongshu.catalog.models",
    ]


def test_self_check_finds_function_level_imports(tmp_path):
    root = _tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/a.py": (
                "import json\nfrom gongshu.app import b\n\n"
                "def f():\n    import json\n    from gongshu.app import b\n\n"
                "class C:\n    async def g(self):\n        import gongshu.app.b\n"
            ),
            "app/b.py": "",
        },
    )
    assert function_level_imports(root) == [
        "gongshu/app/a.py:6: imports gongshu.app.b inside a function",
        "gongshu/app/a.py:10: imports gongshu.app.b inside a function",
    ]


def test_self_check_finds_gate_bypasses(tmp_path):
    root = _tree(
        tmp_path,
        {
            "gate/__init__.py": "Decision(True, 'ok')\nrecord_access(1)\n",
            "app/__init__.py": "",
            "app/a.py": (
                "from gongshu import gate\n"
                "gate.Decision(True, 'x')\n"
                "Decision(allowed=True, reason='x')\n"
                "Decision(False, 'no')\n"
                "Decision(allowed=False, reason='no')\n"
                "Decision(ok, 'maybe')\n"
                "replace(decision, allowed=True)\n"
                "audit.record_access(who, 'data.read')\n"
                "def record_access(): pass\n"
            ),
        },
    )
    assert gate_bypasses(root) == [
        "gongshu/app/a.py:2: constructs an allowing Decision",
        "gongshu/app/a.py:3: constructs an allowing Decision",
        "gongshu/app/a.py:6: constructs an allowing Decision",
        "gongshu/app/a.py:7: turns a Decision into an allowing one",
        "gongshu/app/a.py:8: records a read (record_access)",
    ]


def test_self_check_finds_a_handler_called_directly(tmp_path):
    root = _tree(
        tmp_path,
        {
            "policy/__init__.py": "",
            "policy/events.py": 'HANDLERS = {X: (Handler("gongshu.app.notify.on_moved"),)}\n',
            "app/__init__.py": "",
            "app/notify.py": "def on_moved(e):\n    pass\n\non_moved(1)\n",
            "app/services.py": "from gongshu.app import notify\nnotify.on_moved(2)\n",
        },
    )
    assert handler_calls(root) == ["gongshu/app/services.py:2: calls on_moved"]
