# authgate — developer entry points. `make up` runs the stack, `make test` runs every test.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo .venv-bootstrap/bin/uv)
PY := .venv/bin/python
PYTEST_ARGS ?=

.PHONY: install stubs migrate up test test-unit test-integration lint buf-lint clean

$(UV):
	python3 -m venv .venv-bootstrap && .venv-bootstrap/bin/pip install -q uv

.venv/.installed: $(UV) uv.lock pyproject.toml $(wildcard */pyproject.toml) $(wildcard */*/pyproject.toml)
	$(UV) sync --all-packages --frozen
	@touch $@

install: .venv/.installed stubs

stubs: .venv/.installed
	$(PY) proto/generate.py

migrate: install
	.venv/bin/authgate-stack migrate

up: install
	.venv/bin/authgate-stack up

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

test-unit: install
	$(PY) -m pytest services/*/tests/unit libs cli $(PYTEST_ARGS)

lint: install
	.venv/bin/ruff check .

buf-lint:
	cd proto && npx -y @bufbuild/buf lint

clean:
	rm -rf .venv .venv-bootstrap proto/gen var
