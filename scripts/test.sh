#!/usr/bin/env bash
# The README's test command: set-up, the lint and type gate, then the whole test suite.
# AGENTENVS_LINT=0 skips the gate (ruff over the packages, tests and benchmarks; mypy over the
# three packages, configured in pyproject.toml); any finding fails the command before pytest runs.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"
if [ "${AGENTENVS_LINT:-1}" != "0" ]; then
  echo "[test] ruff check (AGENTENVS_LINT=0 skips the lint and type gate)"
  ruff check agentenvs reward_plugins baselines tests benchmarks
  echo "[test] mypy"
  mypy
fi
exec python -m pytest -n "${PYTEST_WORKERS:-2}" --timeout 900 "$@"
