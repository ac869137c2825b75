# ULR Case Manager. The two commands in the README: `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
TEST_VENV ?= .venv-test
HOST ?= 127.0.0.1
PORT ?= 5000
FLASK = $(VENV)/bin/flask --app ulr_app
PYTEST_ARGS ?=
# pytest-xdist workers (each with its own PostgreSQL database and Redis index: tests/conftest.py)
PYTEST_WORKERS ?= auto
# the roles that must set up two-factor sign-in under make run (none: the demo logins work at once;
# e.g. DEMO_TWO_FACTOR=admin,regional_organiser,branch_convenor to try it as production has it)
DEMO_TWO_FACTOR ?= none

.PHONY: run test install install-test db demo bench assets clean

$(VENV)/.installed: setup.cfg pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found). Set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e .
	touch $@

$(TEST_VENV)/.installed: setup.cfg pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found). Set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(TEST_VENV)
	$(TEST_VENV)/bin/pip install --quiet --upgrade pip
	$(TEST_VENV)/bin/pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed
install-test: $(TEST_VENV)/.installed

## make run: install, migrate, load reference + demo data (first run only), serve on 127.0.0.1:5000
run: install
	$(FLASK) db upgrade
	$(FLASK) reference load
	@mkdir -p instance
	@$(FLASK) demo-data --scale small --if-empty --logins-file instance/demo-logins.txt >/dev/null
	@echo
	@sed '/^$$/q' instance/demo-logins.txt 2>/dev/null || echo "(demo logins file missing: the database had users before demo data was first loaded)"
	@echo
	@echo "Two-factor sign-in is not asked of the demo logins here (DEMO_TWO_FACTOR=$(DEMO_TWO_FACTOR));"
	@echo "in production administrators, organisers and convenors must set it up (README: Two-factor sign-in)."
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl+C to stop)"
	ULR_TWO_FACTOR_REQUIRED_ROLES=$(DEMO_TWO_FACTOR) $(FLASK) run --host $(HOST) --port $(PORT)

## make test: install with test extras, check the layers between the domains, run the whole suite
test: install-test
	$(TEST_VENV)/bin/lint-imports --no-cache
	$(TEST_VENV)/bin/python -m pytest -n $(PYTEST_WORKERS) --maxprocesses=4 $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; fi; exit $$rc

bench: install-test
	$(TEST_VENV)/bin/pip install --quiet -e ".[test,bench]"
	$(TEST_VENV)/bin/python bench/run.py

assets:
	bash ulr_app/static/src/build.sh

clean:
	rm -rf $(VENV) $(TEST_VENV) build *.egg-info
