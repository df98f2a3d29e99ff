# One task runner for the README, CI and developers.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
DB     ?= $(or $(UNION_DASH_DB),data/warehouse.duckdb)

.PHONY: run serve-many alerts test install install-dev system-deps sample lint bench

## Install, build the sample warehouse if it is missing, open the dashboard on 127.0.0.1:8501.
run: install
	@# exit 3 = loaded, with the sample's deliberately bad rows rejected (data/rejects/)
	@test -f $(DB) || $(PY) -m sample build --db $(DB) || [ $$? -eq 3 ]
	@# a warehouse an earlier version of the program made: brought up to date (etl/warehouse.py)
	$(PY) -m etl upgrade --db $(DB)
	UNION_DASH_DB=$(DB) $(PY) -m streamlit run dashboard.py

## K dashboard processes (default: one per core) behind nginx on 127.0.0.1:8500, one warehouse.
K ?= $(shell nproc)
serve-many: install
	UNION_DASH_DB=$(DB) PYTHON=$(PY) deploy/serve-many.sh $(K)

## Alert rules and subscriptions, once: what cron or the systemd timer runs every 5 minutes
## (deploy/union-dashboard-alerts.timer). Exit 0 done, 1 something failed, 3 already running.
## NOW=2012-06-05T09:00 acts as of that time (a fake clock).
alerts: install
	UNION_DASH_DB=$(DB) $(PY) -m alerts run-due $(if $(NOW),--now $(NOW))

## Install everything the tests need (Chromium and a CJK font included) and run them.
test: system-deps install-dev
	$(PY) -m ruff check .
	@# the project's own bytecode, once: where PYTHONDONTWRITEBYTECODE is set (this sandbox)
	@# every process the suite starts compiled the modules it imported, ~0.1 CPU-s each
	$(PY) -m compileall -q -j 0 dashboard.py alerts analytics bench core etl pages sample ui
	@# and pytest's rewrite of the test modules, which each worker did again (tests/assert_cache.py)
	$(PY) -m tests.assert_cache
	$(PY) -m pytest

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# uv installs the same requirements as pip in half the time (a fresh venv with the dev tools:
# 26 s against 53 s here); pip does it where uv cannot be installed or reach an index. Bytecode
# is compiled at install, as pip does: without it every process of the first test run compiled
# the modules it imported (the clean-clone suite took ~100 CPU-s more). uv reads no pip.conf:
# PIP_FIND_LINKS (a folder of wheels) is handed on.
UV_INSTALL = $(PY) -m uv pip install -q --compile-bytecode --python $(PY) $(if $(PIP_FIND_LINKS),--find-links $(PIP_FIND_LINKS))
PIP_INSTALL = $(PY) -m pip install -q

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) uv && $(UV_INSTALL) -r requirements.txt \
	  || { $(PIP_INSTALL) --upgrade pip && $(PIP_INSTALL) -r requirements.txt; }
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(UV_INSTALL) -r requirements-dev.txt || $(PIP_INSTALL) -r requirements-dev.txt
	touch $@

## Debian packages: Chromium (PNG/SVG export) and its headless shell (browser tests), a CJK
## font, LibreOffice Writer without GUI (briefings as PDF), nginx (deploy/serve-many.sh) and
## xfsprogs (the test of a load's copy-on-write clone mounts a small XFS image). Needs root.
system-deps:
	@if ! command -v chromium >/dev/null || ! command -v chromium-headless-shell >/dev/null \
	    || ! command -v soffice >/dev/null \
	    || ! dpkg -s libreoffice-calc-nogui >/dev/null 2>&1 \
	    || ! test -x /usr/sbin/nginx || ! test -x /usr/sbin/mkfs.xfs || ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
	    chromium chromium-headless-shell fonts-noto-cjk fontconfig libreoffice-writer-nogui libreoffice-calc-nogui \
	    nginx xfsprogs >/dev/null; \
	fi

sample: install
	$(PY) -m sample build --db $(DB) || [ $$? -eq 3 ]

lint: install-dev
	$(PY) -m ruff check .

bench: install-dev sample
	$(PY) bench/bench_etl.py --rows 1000000 --persons 100000 --repeat 3
	$(PY) bench/bench_pages.py all --sample $(DB) --repeats 5
