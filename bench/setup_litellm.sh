#!/usr/bin/env bash
# Install the LiteLLM proxy into bench/.litellm-venv, for the side-by-side benchmark.
# Pinned to the version ../shared/PERF.md measured, so runs on different days compare.
# Run once: bench/setup_litellm.sh   (needs PyPI; afterwards LiteLLM runs fully offline)
set -euo pipefail
cd "$(dirname "$0")"
LITELLM_VERSION="${LITELLM_VERSION:-1.106.2}"
UV="../.venv/bin/uv"
PYTHON="$(command -v python3.11 || command -v python3)"

if [ -x "$UV" ]; then
  "$UV" venv --quiet --python "$PYTHON" .litellm-venv
  "$UV" pip install --quiet --python .litellm-venv/bin/python "litellm[proxy]==${LITELLM_VERSION}"
else
  "$PYTHON" -m venv .litellm-venv
  .litellm-venv/bin/pip install --quiet "litellm[proxy]==${LITELLM_VERSION}"
fi
.litellm-venv/bin/litellm --version 2>/dev/null || .litellm-venv/bin/python -c \
  "import importlib.metadata as m; print('litellm', m.version('litellm'))"
