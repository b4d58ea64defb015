# Sunlight: the two set-up commands are `make run` and `make test` (see README.md).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test test-sqlite test-postgres lint bench install tools clean system-packages

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (durable-rules does not import on 3.13)"; exit 1; }
	@# durable-rules ships as source only: its C core needs gcc (installed here if missing, as root).
	@command -v gcc >/dev/null || { apt-get update -qq && apt-get install -y -qq gcc >/dev/null; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Receipts need a CJK font for their PDFs and the tests read PDF text with poppler's pdftotext;
# both come from Debian packages (installed here if missing, as root; no download at run time);
# the signing tests also render pages with poppler's pdftoppm to decode the QR code.
# tests/browser drive Debian's chromium through playwright (launched on /usr/bin/chromium,
# never `playwright install`: no browser download).
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc
CHROMIUM := /usr/bin/chromium
system-packages:
	@test -f $(CJK_FONT) && command -v pdftotext >/dev/null && test -x $(CHROMIUM) || { \
	  apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	  fonts-wqy-zenhei poppler-utils chromium >/dev/null; }

install: $(STAMP) system-packages

# promtool, prometheus and amtool for tests/metrics: Debian packages, installed as root when
# missing (CI runs as root). Elsewhere the tests needing them skip, saying why (CI=true: fail).
tools:
	@command -v promtool >/dev/null && command -v prometheus >/dev/null && \
	  command -v amtool >/dev/null || if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	  prometheus prometheus-alertmanager >/dev/null; \
	  else echo "note: install the Debian packages prometheus and prometheus-alertmanager"; fi

# `make run` is the local try-out: development mode, said explicitly (the default is
# production, which refuses to start without real keys; see README "Keys and environments").
run: export SUNLIGHT_ENVIRONMENT = development
run: $(STAMP) system-packages
	$(BIN)/sunlight db upgrade
	$(BIN)/sunlight demo load --if-empty
	$(BIN)/sunlight serve --host 127.0.0.1 --port 8000

test: test-sqlite test-postgres

test-sqlite: $(STAMP) system-packages tools
	$(BIN)/python -m pytest -q

test-postgres: $(STAMP) system-packages tools
	SUNLIGHT_TEST_DATABASE_URL=$${SUNLIGHT_TEST_DATABASE_URL:-$(PG_URL)} $(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy approval_core supervisor api tests

# bench/actions.py drives the servers with wrk (a Debian package, installed here as root).
bench: $(STAMP)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } || \
	  echo "note: install the Debian package wrk for bench/actions.py"
	@for f in bench/*.py; do [ -e "$$f" ] && $(BIN)/python "$$f"; done; true

clean:
	rm -rf $(VENV) build *.egg-info
