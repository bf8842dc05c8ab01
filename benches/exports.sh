#!/usr/bin/env bash
# Export benchmark: a closed wave of 253,000 responses (40 units × 6,325,
# simulated) exported by klimat to SPSS .sav and Excel .xlsx under the
# disclosure plan, side by side with what an analyst would do otherwise:
# convert klimat's CSV with GNU PSPP (GET DATA … SAVE, no labels) and with
# openpyxl (a write-only workbook). Time and peak memory of each.
#
# Usage: bash benches/exports.sh [WORKDIR]   (builds the release binary)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d /tmp/klimat-exports.XXXXXX)}
mkdir -p "$work"
cargo build --release -q
bin=target/release/klimat
survey=surveys/creative-climate.toml
export KLIMAT_DATABASE_URL="sqlite://$work/bench.db"
export KLIMAT_SECRET_FILE="$work/klimat.secret"

measure() { # name, command...
    local name=$1; shift
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/last.out" 2> "$work/last.err" || {
        cat "$work/last.err" >&2
        return 1
    }
    read -r secs kib < "$work/time"
    printf '%-44s %8.2f s %10.1f MiB\n' "$name" "$secs" "$(echo "$kib / 1024" | bc -l)"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
rm -f "$work/bench.db"*
$bin simulate --survey $survey --units 40 --respondents-per-unit 6325 --waves 1 --pilot-units 6 \
    --seed 1 --out "$work/wave.csv" > /dev/null
wave=$(sed -n 2p "$work/wave.csv" | cut -d, -f2)
{ echo "code,name,parent"; tail -n +2 "$work/wave.csv" | cut -d, -f1 | sort -u | sed 's/.*/&,Unit &,/'; } > "$work/units.csv"
$bin migrate > /dev/null
$bin unit import "$work/units.csv" > /dev/null
$bin survey publish $survey > /dev/null
$bin study create --name bench --survey creative-climate --pilot unit-01 --control unit-02 \
    --intervention-date 2025-01-01 > /dev/null
$bin wave create --study bench --name "$wave" --opens 2026-01-01 --closes 2026-01-31 > /dev/null
$bin responses import --wave "bench:$wave" "$work/wave.csv" > /dev/null
$bin wave open "bench:$wave" > /dev/null
$bin wave close "bench:$wave" > /dev/null
echo "wave $wave: $(($(wc -l < "$work/wave.csv") - 1)) responses, 40 items"

measure "klimat export csv (disclosed)" $bin responses export --wave "bench:$wave" --disclosed \
    --out "$work/k.csv"
measure "klimat export sav (disclosed, labels)" $bin responses export --wave "bench:$wave" --disclosed \
    --format sav --out "$work/k.sav"
measure "klimat export xlsx (disclosed, codebook)" $bin responses export --wave "bench:$wave" --disclosed \
    --format xlsx --out "$work/k.xlsx"
echo "sizes: csv $(du -m "$work/k.csv" | cut -f1) MB, sav $(du -m "$work/k.sav" | cut -f1) MB, xlsx $(du -m "$work/k.xlsx" | cut -f1) MB"

items=$(head -n 1 "$work/k.csv" | cut -d, -f3- | tr ',' ' ')
{
    echo "GET DATA /TYPE=TXT /FILE='$work/k.csv' /ARRANGEMENT=DELIMITED /DELIMITERS=',' /FIRSTCASE=2"
    echo "  /VARIABLES=unit A12 wave A8"
    for i in $items; do echo "  $i F2.0"; done
    echo "."
    echo "SAVE OUTFILE='$work/pspp.sav'."
} > "$work/convert.sps"
if command -v pspp > /dev/null; then
    measure "side by side: PSPP csv → sav (no labels)" pspp "$work/convert.sps"
fi
cat > "$work/convert.py" <<'PY'
import csv, sys, openpyxl
book = openpyxl.Workbook(write_only=True)
sheet = book.create_sheet("Responses")
with open(sys.argv[1], newline="") as f:
    rows = csv.reader(f)
    sheet.append(next(rows))
    for r in rows:
        sheet.append(r[:2] + [int(v) if v.isdigit() else (v or None) for v in r[2:]])
book.save(sys.argv[2])
PY
if /usr/bin/python3 -c "import openpyxl" 2> /dev/null; then
    measure "side by side: openpyxl csv → xlsx" /usr/bin/python3 "$work/convert.py" "$work/k.csv" "$work/py.xlsx"
fi
