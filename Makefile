# Two commands on a fresh machine: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DB     ?= minutebook.db
CORPUS := corpus/seeds corpus/papers corpus/renditions

.PHONY: run test eval bench renditions clean

$(BIN)/minutebook: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test,datasette]"
	touch $@

run: $(BIN)/minutebook
	@$(BIN)/minutebook ingest $(CORPUS) --db $(DB); rc=$$?; [ $$rc -le 1 ] || exit $$rc
	@echo "--- a few of the decisions found (minutebook decisions --db $(DB)) ---"
	@$(BIN)/minutebook decisions --db $(DB) --limit 8

test: $(BIN)/minutebook
	$(BIN)/pytest -q

eval: $(BIN)/minutebook
	$(BIN)/minutebook eval corpus
	$(BIN)/minutebook eval ../shared/corpus-dev

renditions: $(BIN)/minutebook
	$(BIN)/python corpus/render.py

clean:
	rm -rf $(VENV) *.egg-info $(DB) $(DB)-wal $(DB)-shm $(DB).lock
