#!/usr/bin/env bash
# The whole test suite, fast tier first: unit (no root, fakes allowed), integration
# (real podman), e2e (real deploy + python-openstackclient). pytest's exit 5 ("no tests
# collected") is a failure here: a suite that ran nothing must not look green.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
venv=${UNDERCROFT_VENV:-$here/.venv}
cd "$here"
start=$(date +%s)
"$venv/bin/python" -m pytest -ra -p no:cacheprovider --durations=30 tests/unit tests/integration tests/e2e "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
    echo "run-tests: pytest collected no tests; treating as failure" >&2
    rc=1
fi
echo "run-tests: exit $rc after $(( $(date +%s) - start ))s"
exit "$rc"
