#!/usr/bin/env bash
# Eligibility benchmarks, each beside its peer, against `mynaq sim oqs` in a temporary folder:
#   1. face intake: files/s of `mynaq elig watch --once` (nothing lost: the store is counted)
#      against a shell loop of xmllint + sqlite3 (peer_intake.sh)
#   2. per query: in process (mynaq_bench_oqs: FolderExchange + parse + SQLite commit, minus
#      the emulator's own answer time), and the whole `mynaq elig query` command against the
#      bare folder round trip of a shell script (peer_query.sh) on the same emulator
#   3. 一括照会 of 1,000 reservations: build + parse in process, `mynaq elig batch` end to
#      end, and xmllint parsing the same result file for scale
# Prints a markdown table and writes it to bench/oqs/results.md.
# Environment: MYNAQ_BENCH_BUILD_DIR (default build-bench), MYNAQ_BENCH_FACES (2000),
# MYNAQ_BENCH_RUNS (30), MYNAQ_BENCH_KEEP=1 keeps the work directory.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${MYNAQ_BENCH_BUILD_DIR:-$root/build-bench}
faces=${MYNAQ_BENCH_FACES:-2000}
runs=${MYNAQ_BENCH_RUNS:-30}

say() { echo "bench: $*" >&2; }

bash "$root/scripts/install-deps.sh"
extra=()
for tool in hyperfine:hyperfine jq:jq xmllint:libxml2-utils sqlite3:sqlite3 bc:bc; do
  command -v "${tool%%:*}" >/dev/null || extra+=("${tool#*:}")
done
if ((${#extra[@]})); then
  say "installing ${extra[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${extra[@]}" >/dev/null 2>&1 || {
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${extra[@]}" >/dev/null
  }
fi
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMYNAQ_BENCH=ON >/dev/null
cmake --build "$build" --target mynaq mynaq_bench_oqs >/dev/null
mynaq=$build/cmd/mynaq
people=$root/examples/people.yaml

work=$(mktemp -d /tmp/mynaq-bench-oqs-XXXXXX)
emulator=
cleanup() {
  [[ -n $emulator ]] && kill "$emulator" 2>/dev/null && wait "$emulator" 2>/dev/null || true
  if [[ ${MYNAQ_BENCH_KEEP:-0} == 1 ]]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

config() {  # config ROOT STORE
  cat <<YAML
lang: en
facility: {code: "1312345678"}
oqs:
  folder: {root: $1, poll_ms: 50, timeout_s: 30, stable_read_ms: 0, face_done: $1/done}
store: {path: $2}
YAML
}
now_ns() { date +%s%N; }

# ---- 1. face intake ----------------------------------------------------------------------
mkdir -p "$work/intake/oqs"
config "$work/intake/oqs" "$work/intake/store.db" >"$work/intake/config.yaml"
"$mynaq" sim oqs --root "$work/intake/oqs" --people "$people" --faces "$faces" --once >/dev/null 2>&1
cp -r "$work/intake/oqs/face" "$work/intake/face-peer"
t0=$(now_ns)
"$mynaq" --config "$work/intake/config.yaml" elig watch --once --mode move >/dev/null
t1=$(now_ns)
stored=$("$mynaq" --config "$work/intake/config.yaml" --json elig list --source face --limit 100000 | jq .count)
[[ $stored == "$faces" ]] || { say "intake lost files: $stored of $faces stored"; exit 1; }
intake_ms=$(( (t1 - t0) / 1000000 ))
intake_rate=$(( faces * 1000 / (intake_ms > 0 ? intake_ms : 1) ))
peer_files=$(( faces < 300 ? faces : 300 ))  # the shell loop is slow; a sample is enough
mkdir -p "$work/intake/face-peer-sample"
find "$work/intake/face-peer" -name 'OQSsiquc01res_face_*.xml' | sort >"$work/intake/all"
head -n "$peer_files" "$work/intake/all" | xargs -I{} cp {} "$work/intake/face-peer-sample/"
t0=$(now_ns)
bash "$here/peer_intake.sh" "$work/intake/face-peer-sample" "$work/intake/peer.db"
t1=$(now_ns)
peer_ms=$(( (t1 - t0) / 1000000 ))
peer_rate=$(( peer_files * 1000 / (peer_ms > 0 ? peer_ms : 1) ))
say "intake: mynaq $intake_rate files/s ($faces in $intake_ms ms), peer $peer_rate files/s"

# ---- 2. per query ------------------------------------------------------------------------
inproc=$("$build/bench/mynaq_bench_oqs" 500)
say "in process: $inproc"
mkdir -p "$work/query/oqs/work"
config "$work/query/oqs" "$work/query/store.db" >"$work/query/config.yaml"
"$mynaq" sim oqs --root "$work/query/oqs" --people "$people" >/dev/null 2>&1 &
emulator=$!
sleep 0.5
cat >"$work/query/request.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<XmlMsg><MessageHeader><QualificationConfirmationDate>20261201</QualificationConfirmationDate>
<MedicalInstitutionCode>1312345678</MedicalInstitutionCode></MessageHeader>
<MessageBody><QualificationConfirmSearchInfo><InsurerNumber>06139992</InsurerNumber>
<InsuredCardSymbol>1234</InsuredCardSymbol><InsuredIdentificationNumber>5678</InsuredIdentificationNumber>
<InsuredBranchNumber>01</InsuredBranchNumber><Birthdate>19800101</Birthdate>
</QualificationConfirmSearchInfo></MessageBody></XmlMsg>
XML
hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/query.json" \
  -n mynaq "$mynaq --config $work/query/config.yaml elig query --insurer 06139992 --symbol 1234 --number 5678 --branch 01 --birthdate 19800101" \
  -n peer "bash $here/peer_query.sh $work/query/oqs $work/query/request.xml" >/dev/null
q_mynaq=$(jq '.results[] | select(.command=="mynaq") | .mean * 1000' "$work/query.json")
q_peer=$(jq '.results[] | select(.command=="peer") | .mean * 1000' "$work/query.json")
kill "$emulator" 2>/dev/null; wait "$emulator" 2>/dev/null || true
emulator=
startup=$(hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/start.json" "$mynaq --version" >/dev/null &&
  jq '.results[0].mean * 1000' "$work/start.json")
say "query: mynaq $q_mynaq ms, peer $q_peer ms"

# ---- 3. 一括照会 of 1,000 ---------------------------------------------------------------
mkdir -p "$work/bulk/oqs"
config "$work/bulk/oqs" "$work/bulk/store.db" >"$work/bulk/config.yaml"
{
  echo "chart_id,insurer_number,symbol,number,branch,birthdate"
  for i in $(seq 1 1000); do
    case $((i % 4)) in
      0) echo "C$i,06139992,1234,5678,01,19800101" ;;
      1) echo "C$i,139998,模擬01,223344,,19920715" ;;
      2) echo "C$i,39139993,,00012345,,19400302" ;;
      3) echo "C$i,06139976,3333,909,01,19851231" ;;
    esac
  done
} >"$work/bulk/reservations.csv"
"$mynaq" sim oqs --root "$work/bulk/oqs" --people "$people" --processing-rounds 0 >/dev/null 2>&1 &
emulator=$!
sleep 0.5
t0=$(now_ns)
"$mynaq" --config "$work/bulk/config.yaml" elig batch --csv "$work/bulk/reservations.csv" \
  --interval 0.05 >/dev/null || true
t1=$(now_ns)
bulk_ms=$(( (t1 - t0) / 1000000 ))
bulk_rows=$("$mynaq" --config "$work/bulk/config.yaml" --json elig list --source bulk --limit 100000 | jq .count)
[[ $bulk_rows == 1000 ]] || { say "bulk stored $bulk_rows of 1000"; exit 1; }
result=$(find "$work/bulk/oqs/res" -name 'OQSmuquc02res_*.xml' | sort | tail -n 1)
t0=$(now_ns)
xmllint --noout "$result"
t1=$(now_ns)
xml_ms=$(( (t1 - t0) / 1000000 ))
say "bulk: 1000 reservations in $bulk_ms ms; xmllint parses the result in $xml_ms ms"

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
{
  echo "# Eligibility benchmarks"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) cores, $cpu; \`bash bench/oqs/run.sh\`."
  echo
  echo "| measure | mynaq | peer | goal |"
  echo "|---|---|---|---|"
  echo "| face intake, files/s ($faces files, all stored) | $intake_rate | $peer_rate (xmllint + sqlite3 loop) | ≥ 200 |"
  printf '| per-query overhead in process, ms (mean of %s, emulator excluded) | %.2f (p95 %.2f) | – | ≤ 5 |\n' \
    "$(jq .queries <<<"$inproc")" "$(jq .overhead_mean_ms <<<"$inproc")" "$(jq .query_p95_ms <<<"$inproc")"
  printf '| `mynaq elig query` command, ms (mean of %s; start-up alone %.1f) | %.1f | %.1f (cp + mv + poll) | – |\n' \
    "$runs" "$startup" "$q_mynaq" "$q_peer"
  printf '| 一括照会 of 1,000: build the request + parse the %s-byte result, ms | %.1f | %s (xmllint parse) | ≤ 1000 |\n' \
    "$(jq .bulk_result_bytes <<<"$inproc")" "$(jq '.bulk_build_ms + .bulk_parse_ms' <<<"$inproc")" "$xml_ms"
  echo "| 一括照会 of 1,000 with \`mynaq elig batch\` end to end, ms | $bulk_ms | – | – |"
} | tee "$here/results.md"
