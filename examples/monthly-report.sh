#!/usr/bin/env bash
# The monthly マイナ保険証利用率 report, for cron on the 1st: last month's usage as CSV (for
# Excel) and HTML (for the manager, with the chart), and the 加算 level of the 算定 month that
# begins today as JSON (for scripts), all in one directory.
#
#   monthly-report.sh [--month YYYY-MM] [OUTDIR]
#
# OUTDIR defaults to $MYNAQ_REPORT_DIR, else /var/lib/mynaq/reports/YYYY-MM. --month reports
# another month than the previous one (e.g. to redo a month after its receipts were entered).
#
# Environment: MYNAQ, the mynaq binary (default: mynaq on PATH); MYNAQ_CONFIG, a configuration
# file passed as --config (default: mynaq's own search, /etc/xdg/mynaq/config.yaml).
#
# From /etc/cron.d (examples/mynaq-report.cron), as the user that owns the store:
#
#   10 6 1 * * mynaq /usr/share/doc/mynaq/examples/monthly-report.sh
#
# 06:10 on the 1st: the month is closed and nobody is at reception yet. The レセプト件数 of
# the month arrive from the レセコン only after the 請求 (by the 10th), so the CSV shows the
# users but no rate until `mynaq report receipts set` is run; rerun with --month then.
#
# Exit status: 0 when every file was written; otherwise mynaq's status of the first step that
# failed (see mynaq(1)), or 64 for a wrong argument. Nothing a patient could be identified by
# is printed: the reports hold counts only, and the script names just the files it wrote.
set -euo pipefail

usage() {
    echo "usage: ${0##*/} [--month YYYY-MM] [OUTDIR]" >&2
    exit 64
}

mynaq=${MYNAQ:-mynaq}
month=
outdir=
while (($# > 0)); do
    case $1 in
        --month)
            (($# >= 2)) || usage
            month=$2
            shift 2
            ;;
        -h | --help) usage ;;
        -*) usage ;;
        *)
            [[ -z $outdir ]] || usage
            outdir=$1
            shift
            ;;
    esac
done

# Months are Japanese months, whatever the machine's zone (Japan has no summer time, so the
# fixed offset is exact and needs no tzdata).
export TZ=JST-9
if [[ -z $month ]]; then
    month=$(date -d "$(date +%Y-%m-01) -1 month" +%Y-%m)
fi
[[ $month =~ ^[0-9]{4}-(0[1-9]|1[0-2])$ ]] || usage
# The 算定 month after the reported one: the one whose level is decided as this month closes
# (its margin says how many more users it needs, counted in that month).
next_month=$(date -d "$month-01 +1 month" +%Y-%m)

outdir=${outdir:-${MYNAQ_REPORT_DIR:-/var/lib/mynaq/reports/$month}}

# The reports are the facility's business figures: readable by the owner only, including the
# directory and the temporary files.
umask 077
mkdir -p -- "$outdir"

config=()
if [[ -n ${MYNAQ_CONFIG:-} ]]; then
    config=(--config "$MYNAQ_CONFIG")
fi

run() {
    "$mynaq" "${config[@]}" "$@"
}

# --out replaces a file whole or not at all, with mode 0600; stderr (a diagnosis, never a
# patient) goes to cron's mail.
run report usage --from "$month" --to "$month" --format csv --out "$outdir/usage-$month.csv"
run report usage --from "$month" --to "$month" --format html --out "$outdir/usage-$month.html"

# report level has no --out: write beside the target, then rename, so a reader never sees
# half a file and a failure leaves the previous one.
level=$outdir/level-$next_month.json
tmp=$(mktemp "$level.XXXXXX")
trap 'rm -f -- "$tmp"' EXIT
run --json report level --month "$next_month" --current "$next_month" >"$tmp"
mv -f -- "$tmp" "$level"

echo "mynaq monthly report for $month written to $outdir:"
echo "  usage-$month.csv usage-$month.html level-$next_month.json"
