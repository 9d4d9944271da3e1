# Everything a fresh machine needs goes through these targets: they create .venv and install
# what is missing. `make run` opens the window on the demo gateway; `make test` runs the tests.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
APP     = $(VENV)/.installed-app
DEV     = $(VENV)/.installed-dev

JSPEER  = tests/peer/js/node_modules/.package-lock.json

.PHONY: run test test-fast gateway proto package bench clean

# the app alone (make run); the test tools and the futu-api peer on top (make test)
$(APP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $(APP)

$(DEV): $(APP)
	$(PY) -m pip install -q -e '.[dev,peer]'
	touch $(DEV)

run: $(APP)
	$(VENV)/bin/opendeck

# the official JavaScript SDK (npm futu-api, pinned by its lock file) for the peer tests
$(JSPEER): tests/peer/js/package.json tests/peer/js/package-lock.json
	npm ci --prefix tests/peer/js --no-audit --no-fund --loglevel=error

test: $(DEV) $(JSPEER)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

test-fast: $(DEV)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -m "not peer"

gateway: $(APP)
	$(VENV)/bin/opendeck gateway

proto: $(DEV)
	$(PY) scripts/gen_proto.py

package: $(APP)
	$(PY) -m pip install -q -e '.[package]'
	bash packaging/build_deb.sh $(PY)

bench: $(DEV)
	QT_QPA_PLATFORM=offscreen $(PY) bench/flood.py

clean:
	rm -rf build dist packaging/build packaging/dist *.egg-info .pytest_cache
