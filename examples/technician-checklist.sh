#!/usr/bin/env bash
# A technician's first look at a reception PC whose card reader "does not work".
# Prints the doctor's checklist and keeps a transcript (PINs are never in it).
set -u
out=${1:-mynaq-check-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
mynaq card readers | tee "$out/readers.txt"
mynaq --trace "$out/apdu-trace.txt" card --wait 30 doctor --rounds 50 | tee "$out/doctor.txt"
status=${PIPESTATUS[0]}
mynaq --json card info > "$out/info.json" 2>/dev/null || true
echo "results in $out (doctor exit $status)"
exit "$status"
