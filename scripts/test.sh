#!/usr/bin/env bash
# The whole test suite: format, lint, types, unit and HTTP tests, nbval notebooks and the
# browser end-to-end test. Extra arguments go to pytest.
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh" "test"
bash scripts/_cli_venv.sh  # the official CLI in its own venv, for tests/test_official_cli.py
.venv/bin/ruff format --check .
.venv/bin/ruff check .
.venv/bin/mypy
exec .venv/bin/python -m pytest --nbval --nbval-current-env \
    --nbval-sanitize-with notebooks/sanitize.cfg "$@"
