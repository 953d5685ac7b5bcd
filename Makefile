# Two commands on a fresh clone: `make repro` and `make test`.
# The first run creates .venv and installs the pinned dependencies; later runs start at once.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
VENV := .venv
INSTALLED := $(VENV)/.installed

.PHONY: repro test setup
setup: $(INSTALLED)

$(INSTALLED): constraints.txt pyproject.toml
	test -d $(VENV) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]' 2>&1 \
	  | { grep -v "^WARNING: Location 'file:" || true; }
	touch $@

repro: $(INSTALLED)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" dvc repro

test: $(INSTALLED)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" pytest
