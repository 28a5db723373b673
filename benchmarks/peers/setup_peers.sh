#!/usr/bin/env bash
# Create the isolated venvs that benchmarks/sokoban.py uses to time its peers side by side:
#   benchmarks/.peers/gym-sokoban  gym-sokoban 0.0.6 on old gym + numpy<2
#   benchmarks/.peers/jumanji      jumanji + jax (CPU)
# Idempotent: a venv that already imports its package is left alone.
# Usage: bash benchmarks/peers/setup_peers.sh [python]   (default python3)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
peers="$(dirname "$here")/.peers"
python="${1:-python3}"
mkdir -p "$peers"

make_venv() {  # make_venv NAME IMPORT_CHECK PIP_ARGS...
    local name="$1" check="$2"
    shift 2
    local venv="$peers/$name"
    if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "$check" >/dev/null 2>&1; then
        echo "$name venv ready: $venv"
        return
    fi
    "$python" -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
    "$venv/bin/pip" install --quiet "$@" 2>&1 | grep -v "is ignored" || true
    "$venv/bin/python" -c "$check" >/dev/null && echo "$name venv ready: $venv"
}

# gym-sokoban 0.0.6 imports gym.utils.seeding / gym.spaces and pkg_resources (setuptools<81);
# gym 0.26.2 is the last gym release and still provides both. Versions are those timed so far.
make_venv gym-sokoban "import gym_sokoban, gym, pkg_resources" \
    "gym-sokoban==0.0.6" "gym==0.26.2" "numpy==1.26.4" "setuptools<81"
make_venv jumanji "import jumanji, jax" "jumanji==1.1.2" "jax[cpu]==0.10.2"
