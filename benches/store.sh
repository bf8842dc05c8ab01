#!/usr/bin/env bash
# Store benchmark: import 1,000,000 responses (4 waves of about 250,000) into
# SQLite, and into PostgreSQL when KLIMAT_BENCH_POSTGRES_URL names a server
# (a klimat built with --features postgres); then read one wave back for
# scoring (`klimat score --wave`).
#
# Usage: bash benches/store.sh RESPONSES.csv WORKDIR   (run by benches/run.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
file=$1
work=$2
survey=surveys/creative-climate.toml

measure() { # name, command...
    local name=$1; shift
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/last.out" 2> "$work/last.err" || {
        cat "$work/last.err" >&2
        return 1
    }
    read -r secs kib < "$work/time"
    printf '%-36s %8.2f s %10.1f MiB\n' "$name" "$secs" "$(echo "$kib / 1024" | bc -l)"
}

# Split the file by wave once (not timed).
header=$(head -n 1 "$file")
waves=$(tail -n +2 "$file" | cut -d, -f2 | sort -u)
for w in $waves; do
    { echo "$header"; grep ",$w," "$file"; } > "$work/wave-$w.csv"
done
{ echo "code,name,parent"; tail -n +2 "$file" | cut -d, -f1 | sort -u | sed 's/.*/&,&,/'; } > "$work/units.csv"

bench_backend() { # label, binary, url
    local label=$1 bin=$2
    export KLIMAT_DATABASE_URL=$3
    $bin migrate > /dev/null
    $bin unit import "$work/units.csv" > /dev/null
    $bin survey publish $survey > /dev/null
    $bin study create --name bench --survey creative-climate --pilot unit-01 --control unit-02 \
        --intervention-date 2025-01-01 > /dev/null
    local start end
    start=$(date +%s.%N)
    for w in $waves; do
        $bin wave create --study bench --name "$w" --opens 2026-01-01 --closes 2026-01-31 > /dev/null
        measure "$label import wave $w" $bin responses import --wave "bench:$w" "$work/wave-$w.csv"
    done
    end=$(date +%s.%N)
    printf '%-36s %8.2f s\n' "$label import, all 4 waves" "$(echo "$end - $start" | bc -l)"
    local last
    last=$(echo "$waves" | tail -n 1)
    measure "$label score --wave (read + score)" $bin score --wave "bench:$last" --out "$work/score-$label.json"
}

rm -f "$work/bench.db"*
bench_backend sqlite target/release/klimat "sqlite://$work/bench.db"
if [ -n "${KLIMAT_BENCH_POSTGRES_URL:-}" ]; then
    cargo build --release -q --features postgres --target-dir target/postgres
    bench_backend postgres target/postgres/release/klimat "$KLIMAT_BENCH_POSTGRES_URL"
fi
