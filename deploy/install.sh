#!/bin/sh
# Installs the gateway into a fresh virtual environment, pinned by requirements.lock.
# The Dockerfile runs exactly this; tests/deploy/test_deploy_files.py runs it in a plain venv.
#   deploy/install.sh PREFIX [SOURCE]     PREFIX: the venv to create (e.g. /opt/behest)
set -eu
prefix=${1:?usage: install.sh PREFIX [SOURCE]}
source_dir=${2:-$(cd "$(dirname "$0")/.." && pwd)}
python=${PYTHON:-python3}

"$python" -m venv "$prefix"
"$prefix/bin/pip" install --no-cache-dir --quiet --upgrade pip
# the lock pins every dependency of the dev extra, the gateway's among them
"$prefix/bin/pip" install --no-cache-dir --quiet -c "$source_dir/requirements.lock" \
    "$source_dir[gateway]"
"$prefix/bin/behest" --help >/dev/null
"$prefix/bin/python" -c "import behest.gateway.serving.app"
