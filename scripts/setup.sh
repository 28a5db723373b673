#!/usr/bin/env bash
# Set-up shared by the README's two commands: a virtualenv in .venv with agentenvs and every
# extra installed (`.[all]`: shapers, baselines, web, vlm, llm, ray, text, dev), a CPU torch when none
# is importable, and Debian's chromium + chromium-driver for the web family.
# Sourced by scripts/demo.sh and scripts/test.sh; safe to run again (it skips what is done).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${AGENTENVS_VENV:-$ROOT/.venv}"
PY="${PYTHON:-$(command -v python3.11 || command -v python3)}"

if [ ! -x "$VENV/bin/python" ]; then
  echo "[setup] creating virtualenv $VENV with $PY"
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
fi
PIP=("$VENV/bin/python" -m pip install -q --disable-pip-version-check)

if ! "$VENV/bin/python" -c "import torch" >/dev/null 2>&1; then
  echo "[setup] installing torch==2.13.0 (CPU build)"
  "${PIP[@]}" torch==2.13.0 || { echo "[setup] torch==2.13.0 unavailable; installing the latest torch"; "${PIP[@]}" torch; }
fi

stamp="$VENV/.agentenvs-installed"
want="$(cat "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[setup] installing agentenvs (editable) with all extras"
  "${PIP[@]}" -e "$ROOT[all]"
  echo "$want" > "$stamp"
fi

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "[setup] installing Debian packages chromium and chromium-driver (web family)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
      || echo "[setup] WARNING: apt-get could not install chromium; the web family needs: apt-get install chromium chromium-driver"
  else
    echo "[setup] NOTE: the web family needs Chromium and ChromeDriver. Install them with:"
    echo "        sudo apt-get install chromium chromium-driver   (Debian/Ubuntu)"
  fi
fi
export PATH="$VENV/bin:$PATH"
export SDL_VIDEODRIVER="${SDL_VIDEODRIVER:-dummy}" SDL_AUDIODRIVER="${SDL_AUDIODRIVER:-dummy}"
