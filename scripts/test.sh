#!/usr/bin/env bash
# The README's test command: set-up, then the whole test suite.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"
exec python -m pytest -n "${PYTEST_WORKERS:-2}" --timeout 900 "$@"
