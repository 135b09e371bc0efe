#!/usr/bin/env bash
# Set up and start the app: local CPU backend, built-in reward designer, no keys needed.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/streamlit run app.py "$@"
