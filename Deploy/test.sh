#!/usr/bin/env bash
# Runs Keel's whole test suite: unit tests and deterministic simulations first, then the
# process-level tests (real keel processes on loopback), which run alone so that the
# CPU-heavy simulations cannot starve the clusters they start.
# KEEL_SIM_SEEDS=N runs N simulation seeds instead of the CI budget.
set -euo pipefail
cd "$(dirname "$0")/.."
Deploy/install-deps.sh
swift build --build-tests
echo "== unit tests and simulations"
swift test --skip-build --skip KeelProcessTests "$@"
echo "== process tests"
swift test --skip-build --no-parallel --filter KeelProcessTests "$@"
