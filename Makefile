# Two commands on a fresh machine: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DB     ?= minutebook.db
CORPUS := corpus/seeds corpus/papers

.PHONY: run test eval bench renditions clean system-deps

$(BIN)/minutebook: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test,datasette]"
	touch $@

run: system-deps $(BIN)/minutebook
	@$(BIN)/minutebook ingest $(CORPUS) --db $(DB); rc=$$?; [ $$rc -le 1 ] || exit $$rc
	@echo "--- a few of the decisions found (minutebook decisions --db $(DB)) ---"
	@$(BIN)/minutebook decisions --db $(DB) --limit 8

test: system-deps $(BIN)/minutebook
	$(BIN)/pytest -q

eval: $(BIN)/minutebook
	$(BIN)/minutebook eval corpus
	$(BIN)/minutebook eval ../shared/corpus-dev

renditions: $(BIN)/minutebook
	$(BIN)/python corpus/render.py

# Ingest speed on a scaled corpus (>= 2,000 files, >= 10,000 pages) vs raw pypdfium2; ~5 min on an idle 2-core machine.
# Smaller: make bench BENCH_ARGS="--files 500". All options: .venv/bin/python scripts/bench.py --help
BENCH_ARGS ?=
bench: $(BIN)/minutebook
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

# Tesseract OCR reads scanned pages and image files (pipeline/ingest/ocr.py). Installed from Debian when missing
# and we are root; otherwise a warning, and scanned pages are stored without text ("no text, OCR not available").
system-deps:
	@if command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>&1 | grep -qx eng; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Tesseract OCR for scanned papers: apt-get install tesseract-ocr tesseract-ocr-eng"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr tesseract-ocr-eng >/dev/null; } \
	    || echo "WARNING: could not install Tesseract; scanned pages will be stored without text (no text, OCR not available)"; \
	else \
	  echo "WARNING: Tesseract OCR not found (and not root to install it): scanned pages will be stored without text."; \
	  echo "         To read them: sudo apt-get install tesseract-ocr tesseract-ocr-eng"; \
	fi

clean:
	rm -rf $(VENV) *.egg-info $(DB) $(DB)-wal $(DB)-shm $(DB).lock
