#!/usr/bin/env bash
# One command: install what is missing (as root), build grl (Release), and run the demo.
# Extra arguments go to `grl demo` (for example: ./run.sh --device cpu).
set -euo pipefail
cd "$(dirname "$0")"
source tools/setup.sh
grl_setup_and_build build
echo
./build/grl demo --workdir build/demo "$@"
