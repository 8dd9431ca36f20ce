#!/usr/bin/env bash
# The main job on embedded defaults: installs what is missing, builds mynaq, and runs
# `mynaq demo` (a private pcscd with the virtual My Number card, every card command).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target mynaq
exec ./build/cmd/mynaq demo "$@"
