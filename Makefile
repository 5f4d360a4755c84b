# `make run` and `make test` each do all their own set-up on a fresh machine
# that has Python 3 and make: install uv (with pip) if missing, then sync the
# locked environment. uv finds or fetches the Python that .python-version names.
UV := python3 -m uv
PORT ?= 8000

.PHONY: run test setup check bench reliability messages screenshots

setup:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv || python3 -m pip install --quiet --user uv
	@$(UV) sync --locked --quiet
	@$(UV) run --locked python -m hushpost.catalogs

# After changing a translatable text: refresh every catalog in hushpost/locale/ (needs
# GNU gettext's xgettext), then translate the new entries (docs/OPERATIONS.md, "Languages").
messages: setup
	cd hushpost && HUSHPOST_DATA_DIR=$(CURDIR)/var/test $(UV) run --locked python -m django makemessages --settings=hushpost.settings --all --no-obsolete --add-location file --ignore "locale/*"

run: setup
	$(UV) run --locked hushpost run --port $(PORT)

# The suite keeps its own data dir so it never touches the demo's ./var. It runs
# on pytest-xdist workers (PYTEST_WORKERS, one per CPU by default; docs/ARCHITECTURE.md
# has the timings) and prints its 15 slowest tests.
PYTEST_WORKERS ?= auto
test: setup
	HUSHPOST_DATA_DIR=$(CURDIR)/var/test $(UV) run --locked pytest -n $(PYTEST_WORKERS) --durations=15 $(PYTEST_ARGS)


# Lint, formatting and types, with ruff, mypy and django-stubs pinned in the dev group.
# mypy loads the settings (django-stubs), so it gets the suite's data dir, not the demo's.
check: setup
	$(UV) run --locked ruff check hushpost tests bench
	$(UV) run --locked ruff format --check hushpost tests bench
	HUSHPOST_DATA_DIR=$(CURDIR)/var/test $(UV) run --locked mypy hushpost

# Benchmarks print ratios measured side by side in one run (docs/BENCHMARKS.md);
# PG_URL=postgresql://... adds PostgreSQL passes (that database is emptied).
bench: setup
	HUSHPOST_DATA_DIR=$$(mktemp -d) $(UV) run --locked python -m bench.scheduler_tick
	HUSHPOST_DATA_DIR=$$(mktemp -d) $(UV) run --locked python -m bench.drain $(if $(PG_URL),--postgres $(PG_URL))
	HUSHPOST_DATA_DIR=$$(mktemp -d) $(UV) run --locked python -m bench.reminders $(if $(PG_URL),--postgres $(PG_URL))
	HUSHPOST_DATA_DIR=$$(mktemp -d) $(UV) run --locked python -m bench.bulk_send
	$(UV) run --locked python -m bench.portal $(if $(PG_URL),--postgres $(PG_URL))
	HUSHPOST_DATA_DIR=$$(mktemp -d) $(UV) run --locked python -m bench.memory $(if $(PG_URL),--postgres $(PG_URL))

# Delivery faults with real worker processes (docs/RELIABILITY.md's table);
# PG_URL=postgresql://... adds the PostgreSQL pass.
reliability: setup
	$(UV) run --locked python -m bench.reliability $(if $(PG_URL),--postgres $(PG_URL))

# The main staff and contact pages as pictures (1280 and 390 px, light and dark, English
# and Spanish) in docs/screenshots/, through chromium; the README shows four of them.
screenshots: setup
	HUSHPOST_DATA_DIR=$(CURDIR)/var/test $(UV) run --locked pytest -n 0 -p no:randomly -q -s tests/a11y/make_screenshots.py
