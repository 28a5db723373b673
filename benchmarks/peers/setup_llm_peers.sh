#!/usr/bin/env bash
# Create the isolated venvs that benchmarks/llm_agents.py times side by side:
#   $PEERS_DIR/gem        gem-llm (GEM's text Sokoban)
#   $PEERS_DIR/textarena  textarena (TextArena's Sokoban-v0)
# PEERS_DIR defaults to benchmarks/.peers. Idempotent: a venv that already imports its package is left alone.
# Usage: [PEERS_DIR=...] bash benchmarks/peers/setup_llm_peers.sh [python]   (default python3)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
peers="${PEERS_DIR:-$(dirname "$here")/.peers}"
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

make_venv gem "import gem" gem-llm
make_venv textarena "import textarena.envs.Sokoban.env" textarena numpy  # its Sokoban imports numpy, which textarena does not declare
