# The commands a newcomer types: `make test` (sets everything up, then lint + the whole suite)
# and `make run`. Every target creates and fills .venv on first use.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The stamp reinstalls when the dependency list changes, not on every run.
STAMP := $(VENV)/.installed-splitkey
# Two workers match the two cores; the pure-Python crypto and hypothesis are CPU-bound.
PYTEST_ARGS ?= -n 2
# bench/scale.py's options, e.g. SCALE_ARGS="--sizes 1000,100000" where 10^6 records take too long
SCALE_ARGS ?=

.PHONY: install test lint bench ttest run demo screenshots translations clean soak soak-service \
	soak-faults dist dist-check

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,native,desktop]'
	touch $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# Inside a private D-Bus session with an unlocked gnome-keyring when both exist (a real Secret
# Service for the keyring tests, a throw-away HOME); otherwise pytest runs as it is.
test: lint
	sh tests/keyring_session.sh $(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) bench/crypto_bench.py
	$(PY) bench/cosign_load.py
	$(PY) bench/scale.py $(SCALE_ARGS)
	$(PY) bench/pg_replicas.py
	$(PY) bench/gui_bench.py
	$(PY) bench/network_bench.py

ttest: $(STAMP)
	$(PY) bench/timing_ttest.py

# The desktop, with the built-in co-signer ("This computer") offered first on a first run.
run: $(STAMP)
	$(VENV)/bin/splitkey

# The desktop pointed at the stand-in 0Chain network (tests/netsim, a test double) with a faucet
# that funds every new wallet: a send end to end without tokens. Its data stays in .demo/.
demo: $(STAMP)
	$(PY) tools/demo.py

# docs/screenshots/*.png rendered offscreen with real data (a throw-away co-signer and wallets).
# The translation catalogue (every tr() string of ui/) and the compiled translations.
translations: $(STAMP)
	$(VENV)/bin/pyside6-lupdate $$(git ls-files 'ui/*.py') -locations none -no-obsolete \
		-ts resources/i18n/splitkey.ts
	for ts in resources/i18n/splitkey_*.ts; do [ -e "$$ts" ] || continue; \
		$(VENV)/bin/pyside6-lrelease "$$ts" -qm "$${ts%.ts}.qm"; done

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) tools/screenshots.py --out docs/screenshots

# Packages into dist/: the wheel and sdist, the desktop bundle (PyInstaller, dist/splitkey/) and
# its .deb (DEB_COMPRESSION=xz for a release: smaller, about a minute longer).
DIST_STAMP := $(VENV)/.installed-dist
$(DIST_STAMP): $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,native,desktop,dist]'
	touch $(DIST_STAMP)

dist: $(DIST_STAMP)
	rm -rf dist build/pyinstaller build/deb
	$(PY) -m build --outdir dist . > build.log 2>&1 || { tail -n 30 build.log; exit 1; }
	$(VENV)/bin/pyinstaller --noconfirm --log-level ERROR --distpath dist \
		--workpath build/pyinstaller packaging/splitkey.spec
	sh packaging/build_deb.sh $(PY)
	@ls -s --block-size=K -1 dist | sed 's/^/  /'; du -sh dist/splitkey

# Each artefact checked as a user or administrator meets it (packaging/dist_check.py says what);
# make dist-check SCREENSHOT=docs/screenshots/bundle.png also saves the bundle's screen.
dist-check: $(DIST_STAMP)
	sh tests/keyring_session.sh $(PY) packaging/dist_check.py $(if $(SCREENSHOT),--screenshot $(SCREENSHOT))

clean:
	rm -rf $(VENV) build build.log dist *.egg-info .pytest_cache .ruff_cache .hypothesis .demo

# The co-signer's service figures at full size (not in CI): 10 000 flood requests, 30 s of signing
# with /health probes, SIGTERM under load, schemathesis with 100 examples per operation and a fresh
# seed. Written to docs/benchmarks.md (its service-figures section).
# `make soak` runs this too (the fault suite's long sizes add their own recipe to soak).
soak: soak-service soak-faults

# The fault suite (tests/faults) at its long sizes: kill -9 50 x 1 000, full disks, 400 corruption
# trials, backup/restore and key rotation under load, 60 s of overload at 10x signing capacity.
# Its figures go to docs/reliability.md, failing ones included (marked FAIL; the exit code says).
soak-faults: $(STAMP)
	rm -rf .soak-faults
	SPLITKEY_SOAK=1 SPLITKEY_FAULTS_RESULTS=.soak-faults $(PY) -m pytest --timeout=0 -s -q tests/faults \
		> .soak-faults.log 2>&1; status=$$?; tail -n 30 .soak-faults.log; \
		$(PY) -m tests.faults.report .soak-faults docs/reliability.md; exit $$status

soak-service: $(STAMP)
	SPLITKEY_SOAK=1 $(PY) -m pytest --timeout=0 -s -q tests/cosigner_server/test_ops_figures.py \
		tests/cosigner_server/test_ops_shutdown.py tests/cosigner_server/test_ops_schemathesis.py \
		> .soak-service.log 2>&1; status=$$?; cat .soak-service.log; \
		$(PY) bench/ops_figures.py .soak-service.log soak; exit $$status
