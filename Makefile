# The two commands of the contract: `make demo` and `make test`. Each bootstraps .venv.
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
UV := $(BIN)/uv

.PHONY: demo test lint format venv clean bench messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "uv>=0.5,<1"

# Reinstall when the lock or the project's metadata changes.
$(STAMP): $(BIN)/python pyproject.toml uv.lock
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --extra test --quiet
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/gongshu migrate --no-input
	$(BIN)/gongshu demo
	$(BIN)/gongshu serve --port $(PORT) --with-worker

test: $(STAMP)
	$(BIN)/ruff check gongshu tests benchmarks
	$(BIN)/ruff format --check gongshu tests benchmarks
	$(BIN)/mypy gongshu
	$(BIN)/gongshu makemigrations --check --dry-run
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check gongshu tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format gongshu tests benchmarks
	$(BIN)/ruff check --fix gongshu tests benchmarks

messages: $(STAMP)
	cd gongshu && ../$(BIN)/gongshu makemessages -l zh_Hans -l en --no-obsolete
	cd gongshu && ../$(BIN)/gongshu compilemessages

clean:
	rm -rf $(VENV) var/test*.sqlite3
