#!/usr/bin/env bash
# Usage-report benchmark: `mynaq report usage --json` against the sqlite3 CLI computing the
# same figures with one SQL statement (persons per site and month with the same WHERE as
# mynaq, so the same partial index checks_usage, LEFT JOIN receipts and notified rates, local
# rate, totals per month), on the same store file with a warm page cache:
#   A. every site, 2026-01 … 2026-12 (with the totals rows), goal ≤ 1 s and ≤ 1.5 × sqlite3
#   C. one site (--site / AND facility = …) for the year
#   M. every site for one month (2026-12)
# The store is made and migrated by mynaq itself, then filled by sqlite3 (fill.sql): 1,000,000
# checks over 12 months at 10 sites, receipts for every site and month, notified rates for
# the first quarter. Not ANALYZEd, like a store in daily use (mynaq does not run ANALYZE); A
# and M are measured again on an ANALYZEd copy. The users and receipts of every site and
# month and of the totals must be the same on both sides, else the script fails.
# Prints a markdown table and writes it to bench/report/results.md.
# Environment: MYNAQ_BENCH_BUILD_DIR (default build-bench), MYNAQ_BENCH_CHECKS (1000000),
# MYNAQ_BENCH_RUNS (20), MYNAQ_BENCH_KEEP=1 keeps the work directory.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${MYNAQ_BENCH_BUILD_DIR:-$root/build-bench}
checks=${MYNAQ_BENCH_CHECKS:-1000000}
runs=${MYNAQ_BENCH_RUNS:-20}
persons=30000  # per site
say() { echo "bench: $*" >&2; }
die() { echo "bench: FAILED: $*" >&2; exit 1; }

bash "$root/scripts/install-deps.sh"
extra=()
for tool in hyperfine:hyperfine jq:jq sqlite3:sqlite3 bc:bc; do
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
cmake --build "$build" --target mynaq >/dev/null
mynaq=$build/cmd/mynaq

work=$(mktemp -d /tmp/mynaq-bench-report-XXXXXX)
cleanup() {
  if [[ ${MYNAQ_BENCH_KEEP:-0} == 1 ]]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
now_ns() { date +%s%N; }

# ---- the store -------------------------------------------------------------------------
db=$work/mynaq.db
cfg=$work/config.yaml
echo "store: {path: $db}" >"$cfg"
"$mynaq" --config "$cfg" store migrate >/dev/null
schema=$(sqlite3 "$db" .schema)
for want in "person_key TEXT" "CREATE INDEX checks_usage" "CREATE TABLE report_receipts" \
  "CREATE TABLE report_notified"; do
  grep -qF "$want" <<<"$schema" || die "the migrated store has no '$want' (schema too old?)"
done
t0=$(now_ns)
sqlite3 "$db" "CREATE TEMP TABLE bench_params AS SELECT $checks AS n, $persons AS persons" \
  ".read $here/fill.sql"
t1=$(now_ns)
fill_s=$(echo "($t1 - $t0) / 1000000000" | bc -l)
bytes=$(stat -c %s "$db")
[[ -e $db-wal ]] && bytes=$((bytes + $(stat -c %s "$db-wal")))
stored=$(sqlite3 "$db" "SELECT count(*) FROM checks")
[[ $stored == "$checks" ]] || die "the store holds $stored checks, not $checks"
sites=$(sqlite3 "$db" "SELECT count(DISTINCT facility) FROM checks")
site=$(sqlite3 "$db" "SELECT min(facility) FROM checks")
sync "$db"  # no writeback of the fill during the timings
say "filled $checks checks at $sites sites in $(printf %.1f "$fill_s") s, $bytes bytes"

# ---- the peer's SQL --------------------------------------------------------------------
# usage_sql FROM TO [SITE]: the core is word for word the WHERE mynaq uses (a partial index
# serves only a query whose WHERE contains its terms). Totals (site '') as mynaq adds them
# when there are several sites: persons summed over the sites, receipts only when every site
# has them.
usage_sql() {
  local filter="" totals=""
  if [[ -n ${3:-} ]]; then
    filter="AND facility = '$3'"
  else
    totals="UNION ALL
SELECT '', month, sum(users), CASE WHEN count(receipts) = count(*) THEN sum(receipts) END,
       CASE WHEN count(receipts) = count(*) THEN round(sum(users) * 100.0 / sum(receipts), 2) END,
       NULL
FROM rows GROUP BY month"
  fi
  cat <<SQL
WITH users AS (
  SELECT facility, substr(checked_at, 1, 7) AS month, count(DISTINCT person_key) AS users
  FROM checks
  WHERE method IN ('card','smartphone') AND person_key <> ''
    AND substr(checked_at, 1, 7) BETWEEN '$1' AND '$2' $filter
  GROUP BY facility, month),
rows AS MATERIALIZED (
  SELECT u.facility AS site, u.month, u.users, r.receipts,
         round(u.users * 100.0 / r.receipts, 2) AS local_rate, n.percent AS notified_rate
  FROM users u
  LEFT JOIN report_receipts r ON r.site = u.facility AND r.month = u.month
  LEFT JOIN report_notified n ON n.site = u.facility AND n.month = u.month)
SELECT * FROM (
SELECT site, month, users, receipts, local_rate, notified_rate FROM rows
$totals)
ORDER BY site = '', site, month;
SQL
}
report() {  # report CONFIG FROM TO [SITE]: the mynaq command line
  echo "$mynaq --config $1 report usage --from $2 --to $3${4:+ --site $4} --json"
}
# The cases: A every site for the year, C one site for the year, M every site for one month.
usage_sql 2026-01 2026-12 >"$work/A.sql"
usage_sql 2026-01 2026-12 "$site" >"$work/C.sql"
usage_sql 2026-12 2026-12 >"$work/M.sql"
checks_step() { grep -m1 -E '(SCAN|SEARCH) checks' | sed 's/^[|` -]*//'; }
plan_of() { sqlite3 "$1" "EXPLAIN QUERY PLAN $(cat "$2")"; }
say "plan of A:"$'\n'"$(plan_of "$db" "$work/A.sql")"
for x in A C M; do
  declare "plan_$x=$(plan_of "$db" "$work/$x.sql" | checks_step)"
done

# ---- the same figures? -----------------------------------------------------------------
# Every site and month (and total) with users: site|month|users|receipts on both sides.
compare() {  # compare NAME FROM TO [SITE]
  $(report "$cfg" "$2" "$3" ${4:+"$4"}) >"$work/$1.json"
  jq -r '.rows[] | select(.users > 0) | "\(.site)|\(.month)|\(.users)|\(.receipts // "")"' \
    "$work/$1.json" >"$work/$1.mynaq"
  sqlite3 "$db" ".read $work/$1.sql" | cut -d'|' -f1-4 >"$work/$1.sqlite3"
  if ! diff -u "$work/$1.sqlite3" "$work/$1.mynaq" >"$work/$1.diff"; then
    head -n 40 "$work/$1.diff" >&2
    die "$1: mynaq and sqlite3 disagree (above: - sqlite3, + mynaq)"
  fi
  wc -l <"$work/$1.mynaq"
}
matched_A=$(compare A 2026-01 2026-12)
matched_C=$(compare C 2026-01 2026-12 "$site")
matched_M=$(compare M 2026-12 2026-12)
expected=$((sites * 12 + 12))
((matched_A == expected)) || die "A: $matched_A rows with users, not $expected"
totals=$(jq '[.rows[] | select(.site == "")] | length' "$work/A.json")
((totals == 12)) || die "mynaq gave $totals totals rows, not 12"
users_month=$(jq '[.rows[] | select(.site != "") | .users] | add / length | round' "$work/A.json")
say "counts match: $matched_A rows (with $totals totals), $matched_C (one site), $matched_M (one month)"

# ---- timings ---------------------------------------------------------------------------
peer() { echo "sqlite3 $1 '.read $work/$2.sql'"; }
hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/times.json" \
  -n A "$(report "$cfg" 2026-01 2026-12)" -n A.peer "$(peer "$db" A)" \
  -n C "$(report "$cfg" 2026-01 2026-12 "$site")" -n C.peer "$(peer "$db" C)" \
  -n M "$(report "$cfg" 2026-12 2026-12)" -n M.peer "$(peer "$db" M)" \
  -n start "$mynaq --version" >/dev/null

# Does ANALYZE matter? The same on a copy that has statistics.
sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
cp "$db" "$work/analyzed.db"
echo "store: {path: $work/analyzed.db}" >"$work/analyzed.yaml"
sqlite3 "$work/analyzed.db" "ANALYZE"
sync "$work/analyzed.db"
for x in A M; do
  declare "plan_${x}2=$(plan_of "$work/analyzed.db" "$work/$x.sql" | checks_step)"
done
hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/analyzed.json" \
  -n A "$(report "$work/analyzed.yaml" 2026-01 2026-12)" -n A.peer "$(peer "$work/analyzed.db" A)" \
  -n M "$(report "$work/analyzed.yaml" 2026-12 2026-12)" -n M.peer "$(peer "$work/analyzed.db" M)" \
  >/dev/null

# Medians: on a shared machine a few runs are slowed down by others' work.
ms() { jq ".results[] | select(.command==\"$2\") | .median * 1000" "$work/$1.json"; }
a=$(ms times A)
b=$(ms times A.peer)
ratio=$(echo "$a / $b" | bc -l)
say "A $a ms, peer $b ms (ratio $ratio); C $(ms times C) ms, peer $(ms times C.peer) ms"

met() { (($(echo "$1" | bc -l))) && echo "met" || echo "**missed**"; }
row() {  # row TEXT FILE NAME
  printf '| %s | %.1f | %.1f | – |\n' "$1" "$(ms "$2" "$3")" "$(ms "$2" "$3.peer")"
}
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
{
  echo "# Usage-report benchmark"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) cores, $cpu, SQLite $(sqlite3 --version | cut -d' ' -f1);" \
    "\`bash bench/report/run.sh\`."
  echo
  printf 'Store made by `mynaq store migrate`, filled by sqlite3 (fill.sql) in %.1f s: %s checks at\n' \
    "$fill_s" "$checks"
  printf '%s sites over 2026-01 … 2026-12 (75/5/20 %% card/smartphone/certificate, 3 %% errors; %s\n' \
    "$sites" "$users_month"
  printf 'users a site a month), receipts for every site and month, notified rates for the first\n'
  printf 'quarter; %.0f MB, not ANALYZEd. Page cache warm, median of %s runs. Users and receipts of\n' \
    "$(echo "$bytes / 1000000" | bc -l)" "$runs"
  printf 'every site and month and the totals matched sqlite3 (%s + %s + %s rows).\n' \
    "$matched_A" "$matched_C" "$matched_M"
  echo
  echo "| measure, ms | mynaq | peer (sqlite3 CLI, the same SQL core) | goal |"
  echo "|---|---|---|---|"
  printf '| A. `report usage --json`, %s sites × 12 months + totals (mynaq start-up alone %.1f) | %.1f | %.1f | ≤ 1000: %s; ≤ 1.5 × peer (%.2f ×): %s |\n' \
    "$sites" "$(ms times start)" "$a" "$b" "$(met "$a <= 1000")" "$ratio" "$(met "$a <= 1.5 * $b")"
  row "C. the same with \`--site\`, one site × 12 months" times C
  row "M. every site, one month (2026-12)" times M
  row "A on an ANALYZEd copy" analyzed A
  row "M on an ANALYZEd copy" analyzed M
  echo
  echo "Plans of the peer's queries on checks (mynaq's WHERE is the same): A \`$plan_A\`;"
  echo "C \`$plan_C\`; M \`$plan_M\`. After ANALYZE: A \`$plan_A2\`; M \`$plan_M2\`."
} | tee "$here/results.md"
