#!/usr/bin/env bash
# One command: install what is missing (as root), build grl, and run every test.
# GPU tests (label "gpu") skip with a message on machines without a GPU. Tests that need the
# public datasets read them from $GRL_DATASETS and skip when it is unset.
set -euo pipefail
cd "$(dirname "$0")"
source tools/setup.sh
grl_setup_and_build build
if [ -z "${GRL_DATASETS:-}" ]; then
  echo "grl: GRL_DATASETS is not set: tests on Cora and BlogCatalog will be skipped"
fi
cd build
ctest --output-on-failure -j "$(nproc 2>/dev/null || echo 2)" "$@"
