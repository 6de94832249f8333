#!/usr/bin/env bash
# Installs behest with its pinned development dependencies into .venv and runs every test.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -c requirements.lock -e '.[dev]'
exec .venv/bin/pytest "$@"
