#!/usr/bin/env bash
# The whole test suite: installs what is missing, then
#   1. libFuzzer runs of the TLV reader and the OQS message parser (clang, ASan+UBSan),
#   2. the suite built with AddressSanitizer + UndefinedBehaviorSanitizer,
#   3. the suite built as shipped with -Werror; its ctest summary ends the run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# face-api in Node: the reference the face-match descriptors are checked against
bash scripts/install-face-reference.sh
jobs=$(nproc)

echo "== fuzz: TLV reader, OQS messages, 薬剤/健診 results, image decoder (libFuzzer) =="
CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DMYNAQ_FUZZ=ON -DMYNAQ_TESTS=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz --target fuzz_tlv fuzz_oqs_xml fuzz_oqs_medical fuzz_image -j "$jobs"
mkdir -p build-fuzz/corpus build-fuzz/corpus-oqs build-fuzz/corpus-medical build-fuzz/corpus-image
./build-fuzz/tests/fuzz_tlv -runs=300000 -max_len=4096 -seed=1 build-fuzz/corpus tests/fuzz/seeds 2>&1 | tail -n 3
./build-fuzz/tests/fuzz_oqs_xml -runs=100000 -max_len=8192 -seed=1 build-fuzz/corpus-oqs \
  tests/fuzz/oqs_seeds 2>&1 | tail -n 3
./build-fuzz/tests/fuzz_oqs_medical -runs=100000 -max_len=16384 -seed=1 build-fuzz/corpus-medical \
  tests/fuzz/medical_seeds 2>&1 | tail -n 3
# The decoders are slow per input (OpenJPEG above all): bounded by time rather than runs.
./build-fuzz/tests/fuzz_image -max_total_time=90 -max_len=8192 -seed=1 -rss_limit_mb=2048 \
  build-fuzz/corpus-image tests/fuzz/image_seeds 2>&1 | tail -n 3

echo "== tests with ASan + UBSan =="
cmake -S . -B build-asan -G Ninja -DMYNAQ_SANITIZE=ON -DMYNAQ_WERROR=ON \
  -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs"

echo "== tests (release build, -Werror) =="
cmake -S . -B build -G Ninja -DMYNAQ_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs"
