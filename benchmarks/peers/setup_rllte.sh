#!/usr/bin/env bash
# Create the isolated venv that benchmarks/shapers.py uses to time rllte-core side by side.
# rllte pins its own dependency versions, so it never shares the project venv.
# Usage: bash benchmarks/peers/setup_rllte.sh [python]   (default python3)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/../.peers/rllte"
python="${1:-python3}"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import rllte" 2>/dev/null; then
    echo "rllte venv ready: $venv"
    exit 0
fi
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
# One resolve with torch pinned, so rllte's torchvision does not pull a CUDA torch (6 GB).
"$venv/bin/pip" install --quiet "torch==2.13.0" "rllte-core==1.0.1" 2>&1 | grep -v "is ignored" || true
"$venv/bin/python" -c "import rllte, torch; print('rllte venv ready:', '$venv', 'torch', torch.__version__)"
