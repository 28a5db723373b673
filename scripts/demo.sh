#!/usr/bin/env bash
# The README's main job: set-up, then the demo grids (PPO on Sokoban-Tiny with and without
# intrinsic shapers; PPO on GUICursor-Small with sparse, Gaussian and GUI-Cursor rewards; 3 seeds)
# and their reports: learning curves PNG + Markdown/LaTeX tables in results/demo/ and results/demo/gui/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"
exec python -m baselines.demo "$@"
