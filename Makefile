# changesim: `make demo` sets everything up and compares the shipped routes; `make test` tests.
PYTHON ?= python3
VENV := .venv
ROUTES := scenarios/back_office_first.yaml scenarios/front_office_first.yaml \
          scenarios/combined.yaml scenarios/pilot_then_waves.yaml \
          scenarios/organisation_oriented.yaml

.PHONY: demo test lint typecheck format mutate fuzz browser solara-assets clean

demo: $(VENV)/.installed
	$(VENV)/bin/changesim compare $(ROUTES) --replications 20 --out results/compare

# The test command (CI runs exactly this): lint, type check, then the whole test suite.
test: lint typecheck browser solara-assets
	$(VENV)/bin/python -m pytest

# A real browser for the report test: the system Chromium (Playwright drives it; its own
# browser download is not needed). Installed with apt when missing.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { echo "installing chromium (apt) for the browser test"; \
	    $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -qq && \
	    $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -qq chromium >/dev/null; }

# The app's browser assets (Solara loads them from a CDN): npm packages unpacked into the venv
# once; a second run takes a fraction of a second (ADR 0013).
solara-assets: $(VENV)/.installed
	$(VENV)/bin/python tools/solara_assets.py

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy

# The long fuzz run: 10,000 generated scenario files (CI runs a bounded number of them).
fuzz: $(VENV)/.installed
	CHANGESIM_FUZZ_EXAMPLES=10000 $(VENV)/bin/python -m pytest tests/scenario/test_fuzz.py \
		-k any_file -p no:cacheprovider --hypothesis-show-statistics

# Mutation testing of the building blocks (not part of CI; an hour or more on 2 cores).
# One module: make mutate MODULES=build/selection.py
mutate: $(VENV)/.installed
	$(VENV)/bin/python tools/mutate.py $(MODULES)

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "changesim needs Python >= 3.12, found " + sys.version.split()[0] + "; run: make PYTHON=python3.12")'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[dev]'
	touch $@

clean:
	rm -rf $(VENV) results mutation .pytest_cache .ruff_cache .hypothesis
