#!/usr/bin/env bash
# Install what TabRL needs on a Debian/Ubuntu machine: system libraries (headless rendering;
# Chromium with --browser), a virtual environment in .venv, the pinned requirements and TabRL.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libegl1 libegl-mesa0 libgl1-mesa-dri libopengl0 libosmesa6 fonts-dejavu-core)
[[ "${1:-}" == "--browser" ]] && packages+=(chromium)

missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  echo "Installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

python=${PYTHON:-python3}
[[ -x .venv/bin/python ]] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -r requirements.txt
.venv/bin/python -m pip install -q --no-deps -e .
