# Two commands on a fresh clone: `make repro` and `make test`.
# The first run creates .venv and installs the pinned dependencies; `make test` (and `make setup`) also writes the
# offline page of `dvc plots show` from the pinned Vega scripts (package-lock.json) and names it in this clone's
# .dvc/config.local; without it `dvc plots show` uses DVC's own page. Later runs start at once.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
VENV := .venv
INSTALLED := $(VENV)/.installed
# the template .dvc/config names (plots.html_template)
PLOTS_PAGE := .dvc/plots-page.html

.PHONY: repro test setup
setup: $(INSTALLED) $(PLOTS_PAGE)

$(INSTALLED): constraints.txt pyproject.toml
	test -d $(VENV) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]' 2>&1 \
	  | { grep -v "^WARNING: Location 'file:" || true; }
	touch $@

$(PLOTS_PAGE): package-lock.json src/seq2arith/figures/plots_page.py $(INSTALLED)
	@command -v npm >/dev/null || { echo "make: npm not found: install Node.js and npm (apt-get install npm)"; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	$(VENV)/bin/python -m seq2arith.figures.plots_page node_modules $@
	$(VENV)/bin/dvc config --local plots.html_template $(notdir $@)  # this clone only: without it, DVC's own page

# When the run changed dvc.lock, metrics/cpu.txt names the CPU it ran on (.ci/cpu.py): other CPUs, other bytes.
repro: $(INSTALLED)
	lock=$$(md5sum dvc.lock); PATH="$(CURDIR)/$(VENV)/bin:$$PATH" dvc repro \
	  && if [ "$$lock" != "$$(md5sum dvc.lock)" ]; then $(VENV)/bin/python .ci/cpu.py > metrics/cpu.txt; fi

test: $(INSTALLED) $(PLOTS_PAGE)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" pytest -n auto --dist load --maxschedchunk 1  # a worker a core, a test at a time
