#!/usr/bin/env bash
# The README's main job: set-up, then the demo grid (PPO on Sokoban-Tiny, with and without
# intrinsic shapers, 3 seeds) and its report: learning curves PNG + Markdown/LaTeX tables.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"
exec python -m baselines.demo "$@"
