#!/usr/bin/env bash
# Runs Keel's whole test suite: unit tests, deterministic simulations, process-level tests.
# KEEL_SIM_SEEDS=N runs N simulation seeds instead of the CI budget.
set -euo pipefail
cd "$(dirname "$0")/.."
Deploy/install-deps.sh
swift build --build-tests
swift test --skip-build "$@"
