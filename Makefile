# Everything a fresh machine needs goes through these targets: they create .venv and install
# what is missing. `make run` opens the window on the demo gateway; `make test` runs the tests.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed

.PHONY: run test test-fast gateway probe proto package bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,peer]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/opendeck

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

test-fast: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -m "not peer"

gateway: $(STAMP)
	$(VENV)/bin/opendeck gateway

proto: $(STAMP)
	$(PY) scripts/gen_proto.py

package: $(STAMP)
	$(PY) -m pip install -q -e '.[package]'
	bash packaging/build_deb.sh $(PY)

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) bench/flood.py

clean:
	rm -rf build dist packaging/build packaging/dist *.egg-info .pytest_cache
