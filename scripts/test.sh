#!/usr/bin/env bash
# Set up (including Debian's Chromium for the browser tests) and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --browser
export TABRL_TEST_ARTIFACTS="${TABRL_TEST_ARTIFACTS:-$PWD/test-artifacts}"
exec .venv/bin/python -m pytest -q "$@"
