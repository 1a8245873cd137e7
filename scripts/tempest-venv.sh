#!/usr/bin/env bash
# Creates the tempest virtualenv of the e2e install job (tests/e2e/test_tempest.py) from
# tests/e2e/tempest/requirements.txt, every package pinned, from PyPI. Its own venv, never
# the project's (tempest's dependency pins could clash with ours). Kept while the pinned
# requirements are unchanged (a stamp holds their hash); rebuilt from scratch otherwise.
# Run by scripts/host-deps.sh with UNDERCROFT_TEST_DEPS=1 (make test), and by the test's
# fixture when the venv is missing or stale.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
venv=${UNDERCROFT_TEMPEST_VENV:-$here/.venv-tempest}
req=$here/tests/e2e/tempest/requirements.txt
py=${PYTHON:-python3}
stamp="$venv/.undercroft-tempest"
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && [ -x "$venv/bin/tempest" ]; then
    echo "tempest-venv: $venv up to date"
    exit 0
fi
echo "tempest-venv: creating $venv from tests/e2e/tempest/requirements.txt"
rm -rf "$venv"
"$py" -m venv "$venv"
"$venv/bin/pip" install -q --no-deps -r "$req"
"$venv/bin/pip" check
echo "$want" > "$stamp"
