#!/usr/bin/env bash
# The peer of `mynaq elig query`: the least a script can do through the 資格確認端末's folder —
# write the request with cat, rename it into req/, wait for the result with inotifywait and
# print it. No parsing, no store: its time is the emulator's turnaround plus process starts.
# Usage: peer_query.sh ROOT REQUEST_TEMPLATE
set -euo pipefail
root=$1 template=$2
suffix=$(date +%s%N | tail -c 13)
name=OQSsiquc01req_$suffix.xml
res=OQSsiquc01res_$suffix.xml
cp "$template" "$root/work/$name"
mv "$root/work/$name" "$root/req/$name"
while [[ ! -f $root/res/$res ]]; do
  inotifywait -qq -t 1 -e moved_to -e close_write "$root/res" || true
done
cat "$root/res/$res" >/dev/null
