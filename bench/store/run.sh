#!/usr/bin/env bash
# Store benchmarks, each beside its peer:
#   1. `audit verify` over 1,000,000 chained records (mynaq_bench_store), goal ≤ 2 s
#   2. consent writes per second with durability on, each with its audit record, on SQLite
#      (WAL, synchronous=FULL) and on a private PostgreSQL (fsync on) — beside the same number
#      of single-row INSERT transactions by the sqlite3 CLI and by psql, which write the row
#      alone, without an audit record
# Prints a markdown table and writes it to bench/store/results.md.
# Environment: MYNAQ_BENCH_BUILD_DIR (default build-bench), MYNAQ_BENCH_AUDIT (1000000),
# MYNAQ_BENCH_WRITES (500).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${MYNAQ_BENCH_BUILD_DIR:-$root/build-bench}
records=${MYNAQ_BENCH_AUDIT:-1000000}
writes=${MYNAQ_BENCH_WRITES:-500}
say() { echo "bench: $*" >&2; }

bash "$root/scripts/install-deps.sh"
command -v jq >/dev/null || apt-get install -y -qq --no-install-recommends jq >/dev/null
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMYNAQ_BENCH=ON >/dev/null
cmake --build "$build" --target mynaq_bench_store >/dev/null

work=$(mktemp -d /tmp/mynaq-bench-store-XXXXXX)
chmod 755 "$work"  # the PostgreSQL server runs as the postgres user
port=$((20000 + RANDOM % 20000))
cleanup() {
  bash "$root/scripts/pg-test-server.sh" stop "$work/pg" "$port" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
url=$(bash "$root/scripts/pg-test-server.sh" start "$work/pg" "$port")
psql "$url" -qc "CREATE DATABASE mynaq_bench" >/dev/null
psql "$url" -qc "CREATE DATABASE peer_bench" >/dev/null
mynaq_url=${url%/postgres}/mynaq_bench
peer_url=${url%/postgres}/peer_bench

result=$("$build/bench/mynaq_bench_store" "$records" "$writes" "$work" "$mynaq_url")
say "$result"

# Peers: the same number of single-row transactions, the row alone.
now_ns() { date +%s%N; }
{
  echo "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
  echo "CREATE TABLE consents(id INTEGER PRIMARY KEY, patient_key TEXT, category TEXT, flag TEXT);"
  for i in $(seq 1 "$writes"); do
    echo "BEGIN IMMEDIATE; INSERT INTO consents(patient_key, category, flag) VALUES('ref:BENCH$i','PharmacistsInfo','1'); COMMIT;"
  done
} >"$work/peer.sql"
t0=$(now_ns)
sqlite3 "$work/peer.db" <"$work/peer.sql" >/dev/null
t1=$(now_ns)
sqlite_peer=$(echo "$writes * 1000000000 / ($t1 - $t0)" | bc -l)
{
  echo "CREATE TABLE consents(id SERIAL PRIMARY KEY, patient_key TEXT, category TEXT, flag TEXT);"
  for i in $(seq 1 "$writes"); do
    echo "INSERT INTO consents(patient_key, category, flag) VALUES('ref:BENCH$i','PharmacistsInfo','1');"
  done
} >"$work/peer-pg.sql"
t0=$(now_ns)
psql "$peer_url" -q -f "$work/peer-pg.sql" >/dev/null   # autocommit: one transaction per row
t1=$(now_ns)
pg_peer=$(echo "$writes * 1000000000 / ($t1 - $t0)" | bc -l)

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
{
  echo "# Store benchmarks"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) cores, $cpu; \`bash bench/store/run.sh\`."
  echo
  echo "| measure | mynaq | peer | goal |"
  echo "|---|---|---|---|"
  printf '| `audit verify` of %s records, s (page cache warm; cold %s) | %s | – | ≤ 2 |\n' \
    "$records" "$(jq .verify_cold_s <<<"$result")" "$(jq .verify_s <<<"$result")"
  printf '| consent writes/s, SQLite, each with its audit record | %.0f | %.0f (sqlite3 CLI, row alone) | – |\n' \
    "$(jq .consent_writes_per_s <<<"$result")" "$sqlite_peer"
  printf '| consent writes/s, PostgreSQL, each with its audit record | %.0f | %.0f (psql, row alone) | – |\n' \
    "$(jq .pg_consent_writes_per_s <<<"$result")" "$pg_peer"
} | tee "$here/results.md"
