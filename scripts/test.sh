#!/usr/bin/env bash
# Installs behest with its pinned development dependencies into .venv and runs every test:
# lint and types, pytest (extra arguments go to it), then each Node suite from its lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -c requirements.lock -e '.[dev,docs,examples]'
echo "== ruff, mypy"
.venv/bin/ruff check --quiet src tests bench scripts
.venv/bin/ruff format --check --quiet src tests bench scripts
.venv/bin/mypy
.venv/bin/pytest "$@"
export BEHEST_PYTHON="$PWD/.venv/bin/python"
for suite in sdks/typescript tests/node; do
  if [ -f "$suite/package.json" ]; then
    echo "== node suite: $suite"
    (cd "$suite" && npm ci --no-audit --no-fund --loglevel=error && npm test)
  fi
done
