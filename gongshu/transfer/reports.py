"""The two reports a processor files with a transfer abroad, pre-filled as DOCX from its
declaration: the self-assessment report (数据出境风险自评估报告, 数据出境安全评估办法
art. 5; the CAC's template of the declaration guide) and the personal-information
protection impact assessment (个人信息保护影响评估报告, PIPL arts. 55–56).

What the platform knows goes in as facts: the processor, the recipient and its country or
region, the purpose, every resource and field sent with its tag and level, the people
counted from the data (this declaration and the year to date), the outcome and every rule
that fired with its article, the approvals. What only the processor can judge (the risks,
the recipient's safeguards, the conclusion) is a section marked ``TO_WRITE``, never a
guess. An outline (``outline``) is plain data; ``render`` turns it into a DOCX.

The text is Chinese; ``language="en"`` gives the headings, labels and rule texts in
English (the facts are the declaration's own)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Literal

from django.utils import translation
from django.utils.translation import gettext as _
from docx import Document
from docx.shared import RGBColor

from gongshu.catalog.models import Field
from gongshu.catalog.vocabulary import Level, Sensitivity
from gongshu.transfer.models import Declaration, Exemption, Outcome, Rule

SELF_ASSESSMENT = "self-assessment"
PIPIA = "pipia"
REPORTS = (SELF_ASSESSMENT, PIPIA)
LANGUAGES = ("zh-hans", "en")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass
class Block:
    """One piece of a report: a heading (``level`` 1–2), a paragraph, a table (first row
    its header) or a section the processor must write (``todo``)."""

    kind: Literal["heading", "text", "table", "todo"]
    text: str = ""
    level: int = 1
    rows: list[list[str]] = field(default_factory=list)


def to_write() -> str:
    return _("[To be written by the processor]")


def _yes(value: bool) -> str:
    return _("Yes") if value else _("No")


def _rules(declaration: Declaration) -> list[list[str]]:
    """Each fired rule with its article and its text in the active language (the rule
    table keeps both; the anti-splitting rule is not a row and keeps its stored text)."""
    english = (translation.get_language() or "").startswith("en")
    rows = {r.code: r for r in Rule.objects.filter(code__in=[f["id"] for f in declaration.rules])}
    found = []
    for item in declaration.rules:
        row = rows.get(item["id"])
        text = (row.text_en if english else row.text_zh) if row else item.get("text", "")
        found.append([item["id"], item.get("article", ""), text])
    return found


def _fields(declaration: Declaration, *, personal_only: bool) -> list[list[str]]:
    rows = []
    for resource in declaration.resources.select_related("dataset").order_by("dataset__name"):
        chosen = set(resource.fields)
        fields = Field.objects.filter(dataset=resource.dataset).select_related("privacy_tag")
        for item in fields.order_by("position", "name"):
            if chosen and item.name not in chosen:
                continue
            if personal_only and item.sensitivity == Sensitivity.NONE:
                continue
            tag = getattr(item, "privacy_tag", None)
            rows.append(
                [
                    resource.dataset.name,
                    item.name,
                    item.title or "—",
                    str(Sensitivity(item.sensitivity).label),
                    (tag.detector if tag and tag.detector else "—"),
                    str(Level(resource.dataset.level).label),
                ]
            )
    return rows


def _counts(declaration: Declaration) -> list[Block]:
    if declaration.counted_at is None:
        return [
            Block(
                "text",
                _("Not counted yet: count the declaration from the data before filing."),
            )
        ]
    rows = [
        [_("People"), _("This declaration"), _("This year, all declarations")],
        [
            _("Personal information (non-sensitive)"),
            str(declaration.own_non_sensitive),
            str(declaration.year_non_sensitive),
        ],
        [
            _("Sensitive personal information"),
            str(declaration.own_sensitive),
            str(declaration.year_sensitive),
        ],
    ]
    blocks = [
        Block(
            "text",
            _(
                "Counted from the data on %(day)s (year %(year)s, Asia/Shanghai): distinct "
                "individuals by their identifier columns (%(ids)s), as keyed hashes."
            )
            % {
                "day": declaration.counted_at.date().isoformat(),
                "year": declaration.count_year,
                "ids": ", ".join(f"{k}: {v}" for k, v in declaration.identifiers.items()) or "—",
            },
        ),
        Block("table", rows=rows),
    ]
    if declaration.split_flag:
        blocks.append(
            Block(
                "text",
                _(
                    "Together with the processor's earlier declarations this year this one "
                    "crosses a threshold it does not cross alone; the outcome follows the "
                    "count since 1 January."
                ),
            )
        )
    return blocks


def _outcome(declaration: Declaration) -> list[Block]:
    if not declaration.outcome:
        return [Block("text", _("No outcome yet: the declaration has not been counted."))]
    blocks = [
        Block(
            "text",
            _("Outcome: %(outcome)s") % {"outcome": Outcome(declaration.outcome).label},
        ),
        Block("table", rows=[[_("Rule"), _("Article"), _("Text")], *_rules(declaration)]),
    ]
    approvals = list(declaration.approvals.all())
    if approvals:
        rows = [[_("Kind"), _("Reference"), _("Issued on"), _("Valid until")]]
        rows += [
            [
                str(a.get_kind_display()),
                a.reference,
                a.issued_on.isoformat(),
                a.valid_until.isoformat() if a.valid_until else "—",
            ]
            for a in approvals
        ]
        blocks.append(Block("table", rows=rows))
    return blocks


def _facts(declaration: Declaration) -> list[list[str]]:
    processor = declaration.processor
    english = (translation.get_language() or "").startswith("en")
    name = (processor.name_en if english else "") or processor.name_zh
    claimed = [str(Exemption(e).label) for e in declaration.exemptions if e in Exemption.values]
    return [
        [_("Item"), _("Declared")],
        [_("Data processor"), f"{name} ({processor.code})"],
        [_("Critical information infrastructure operator"), _yes(declaration.ciio)],
        [_("Recipient"), declaration.recipient_name],
        [_("Recipient's country or region"), declaration.recipient_country],
        [_("Purpose"), declaration.purpose],
        [_("Claimed exemptions"), "; ".join(claimed) or "—"],
        [_("Free-trade-zone registration"), declaration.ftz_zone or "—"],
    ]


def _field_header() -> list[str]:
    return [_("Data resource"), _("Field"), _("Title"), _("Tag"), _("Identifier"), _("Level")]


def _todo(heading: str, prompt: str) -> list[Block]:
    return [Block("heading", heading, level=2), Block("todo", f"{to_write()} {prompt}")]


def _self_assessment(declaration: Declaration) -> list[Block]:
    return [
        Block("heading", _("Data export risk self-assessment report"), level=0),
        Block("text", _preamble(declaration)),
        Block("heading", _("1. The self-assessment")),
        *_todo(
            _("1.1 How the self-assessment was done"),
            _("When, by whom, and by what method the self-assessment was carried out."),
        ),
        Block("heading", _("2. The transfer as a whole")),
        Block("heading", _("2.1 The data processor and the transfer"), level=2),
        Block("table", rows=_facts(declaration)),
        *_todo(
            _("2.2 Business and information systems involved"),
            _("The business the data serves and the systems it leaves from."),
        ),
        Block("heading", _("2.3 The data to be sent"), level=2),
        Block("table", rows=[_field_header(), *_fields(declaration, personal_only=False)]),
        *_counts(declaration),
        Block("heading", _("2.4 The recipient abroad"), level=2),
        Block(
            "text",
            f"{declaration.recipient_name} ({declaration.recipient_country})",
        ),
        Block(
            "todo",
            f"{to_write()} "
            + _(
                "What the recipient does with the data, its data-security capability, "
                "and the laws of its country or region that bear on the data."
            ),
        ),
        Block("heading", _("3. Risks of the transfer")),
        *_todo(
            _("3.1 Lawfulness, legitimacy and necessity"),
            _(
                "Of the purpose, scope and method of the transfer and of the recipient's processing."
            ),
        ),
        *_todo(
            _("3.2 Risks to national security, the public interest and individuals"),
            _(
                "Given the scale, scope, kind and sensitivity above: the risks of the data "
                "being tampered with, destroyed, leaked, lost, moved or unlawfully obtained."
            ),
        ),
        *_todo(
            _("3.3 Contracts and safeguards"),
            _("The contract with the recipient and the technical and organizational measures."),
        ),
        Block("heading", _("4. The path under CAC order 16")),
        *_outcome(declaration),
        Block("heading", _("5. Conclusion")),
        Block("todo", f"{to_write()} " + _("The processor's conclusion of the self-assessment.")),
    ]


def _pipia(declaration: Declaration) -> list[Block]:
    return [
        Block("heading", _("Personal information protection impact assessment report"), level=0),
        Block("text", _preamble(declaration)),
        Block(
            "text",
            _(
                "Providing personal information abroad requires this assessment beforehand "
                "(PIPL art. 55(4)); the report and the processing records are kept for at "
                "least three years (art. 56)."
            ),
        ),
        Block("heading", _("1. The processing")),
        Block("table", rows=_facts(declaration)),
        Block("heading", _("1.1 Personal information sent"), level=2),
        Block("table", rows=[_field_header(), *_fields(declaration, personal_only=True)]),
        *_counts(declaration),
        *_todo(
            _("1.2 Separate consent"),
            _(
                "How each individual was told of the recipient, the purpose, the method and "
                "the kinds of information, and gave separate consent (PIPL arts. 29, 39)."
            ),
        ),
        Block("heading", _("2. Lawfulness, legitimacy and necessity (PIPL art. 56(1))")),
        Block(
            "todo",
            f"{to_write()} "
            + _(
                "Whether the purpose and method of processing are lawful, legitimate and necessary."
            ),
        ),
        Block("heading", _("3. Impact on individuals' rights and security risks (art. 56(2))")),
        Block(
            "todo",
            f"{to_write()} "
            + _("The impact on the individuals' rights and interests, and the security risks."),
        ),
        Block("heading", _("4. Protective measures (art. 56(3))")),
        Block(
            "todo",
            f"{to_write()} "
            + _(
                "Whether the measures taken are lawful, effective and commensurate with the risks."
            ),
        ),
        Block("heading", _("5. The path under CAC order 16")),
        *_outcome(declaration),
        Block("heading", _("6. Conclusion")),
        Block("todo", f"{to_write()} " + _("The processor's conclusion of the assessment.")),
    ]


def _preamble(declaration: Declaration) -> str:
    return _(
        "Pre-filled by Gongshu from declaration #%(n)s. The facts, resources, fields, counts "
        "and outcome are the platform's; every section marked %(todo)s is the processor's "
        "to write before filing."
    ) % {"n": declaration.pk, "todo": to_write()}


def outline(declaration: Declaration, report: str, language: str = "zh-hans") -> list[Block]:
    if report not in REPORTS:
        raise ValueError(f"no report {report!r}")
    with translation.override(language if language in LANGUAGES else "zh-hans"):
        if report == SELF_ASSESSMENT:
            return _self_assessment(declaration)
        return _pipia(declaration)


TODO_COLOUR = RGBColor(0xC0, 0x00, 0x00)


def render(declaration: Declaration, report: str, language: str = "zh-hans") -> bytes:
    document = Document()
    for block in outline(declaration, report, language):
        if block.kind == "heading":
            document.add_heading(block.text, level=block.level)
        elif block.kind == "text":
            document.add_paragraph(block.text)
        elif block.kind == "todo":
            run = document.add_paragraph().add_run(block.text)
            run.bold = True
            run.font.color.rgb = TODO_COLOUR
        else:
            table = document.add_table(rows=0, cols=len(block.rows[0]))
            table.style = "Table Grid"
            for position, values in enumerate(block.rows):
                cells = table.add_row().cells
                for cell, value in zip(cells, values, strict=True):
                    cell.text = value
                    if position == 0:
                        for run in cell.paragraphs[0].runs:
                            run.bold = True
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def filename(declaration: Declaration, report: str, language: str) -> str:
    suffix = "-en" if language == "en" else ""
    return f"declaration-{declaration.pk}-{report}{suffix}.docx"
