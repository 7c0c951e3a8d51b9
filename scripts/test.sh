#!/usr/bin/env bash
# Install what the tests need (system packages, .venv with the test extras), then run the
# whole suite: pytest (real training runs, real PDFs), mypy and ruff.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/python -m pytest "$@"
.venv/bin/python -m mypy
.venv/bin/python -m ruff check reportgen experiments tests benchmarks
