# authgate — developer entry points. `make up` runs the stack, `make test` runs every test.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo .venv-bootstrap/bin/uv)
PY := .venv/bin/python
PYTEST_ARGS ?=
# Two pytest workers, a test file each at a time: each worker starts its own stack, and
# much of the integration tier waits (stack starts, polls), so two overlap well on two
# cores. `make test PYTEST_PARALLEL=` runs in one process.
PYTEST_PARALLEL ?= -n 2 --dist loadfile

.PHONY: install stubs migrate up test test-replicas test-unit test-integration lint buf-lint clean a11y rp

$(UV):
	python3 -m venv .venv-bootstrap && .venv-bootstrap/bin/pip install -q uv

# Compiled bytecode up front: with PYTHONDONTWRITEBYTECODE set (as on this machine and in
# the images) Python would otherwise compile every module again in every process — about
# 3 s of a core per service start, 0.7 s per CLI call.
.venv/.installed: $(UV) uv.lock pyproject.toml $(wildcard */pyproject.toml) $(wildcard */*/pyproject.toml)
	$(UV) sync --all-packages --frozen --compile-bytecode
	@touch $@

install: .venv/.installed stubs

stubs: .venv/.installed
	$(PY) proto/generate.py
	$(PY) -m compileall -q -j 0 proto/gen libs services cli tools examples > /dev/null

migrate: install
	.venv/bin/authgate-stack migrate

up: install
	.venv/bin/authgate-stack up

# axe-core for tests/integration/test_accessibility.py (axe-core@4, pinned by
# tests/a11y/package-lock.json), installed when missing.
a11y:
	@test -f tests/a11y/node_modules/axe-core/axe.min.js || npm ci --prefix tests/a11y --no-audit --no-fund

# openid-client for the whole-stack tests that drive authgate as a relying party would
# (tests/rp/package-lock.json pins it), installed when missing.
rp:
	@test -f tests/rp/node_modules/openid-client/package.json || npm ci --prefix tests/rp --no-audit --no-fund

test: install a11y rp
	$(PY) -m pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

# The whole suite with two replicas of every service behind the local Envoy (`make test`
# runs two token replicas only; this takes about twice as long on two cores).
test-replicas: install a11y rp
	AUTHGATE_TEST_REPLICAS=2 $(PY) -m pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

test-unit: install
	$(PY) -m pytest services/*/tests/unit libs cli $(PYTEST_ARGS)

lint: install
	.venv/bin/ruff check .

buf-lint:
	cd proto && npx -y @bufbuild/buf lint

clean:
	rm -rf .venv .venv-bootstrap proto/gen var

# Side-by-side benchmark with node-oidc-provider (issue 8); not part of `make test`.
# Installs wrk (Debian), the peer (bench/peer/node_modules) and matplotlib (bench/.venv) when missing.
.PHONY: bench
bench: install
	@command -v wrk >/dev/null || (apt-get install -y wrk || (apt-get update && apt-get install -y wrk))
	@test -d bench/peer/node_modules/ioredis || npm install --prefix bench/peer oidc-provider@9 ioredis@5
	@test -x bench/.venv/bin/python || (python3 -m venv bench/.venv && bench/.venv/bin/pip install -q matplotlib)
	$(PY) bench/run.py $(BENCH_ARGS)
