#!/usr/bin/env bash
# Benchmark of `klimat simulate` and `klimat score` on 1,000,000 respondents ×
# 40 items (10 dimensions) × 40 units × 4 waves, with pandas + pingouin on the
# same file for comparison. Prints wall time and peak memory of each.
#
# Usage: bash benches/score.sh [WORKDIR]   (needs /usr/bin/time; pingouin optional)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d)}
mkdir -p "$work"
cargo build --release -q
bin=target/release/klimat
survey=surveys/creative-climate.toml
file="$work/responses-1m.csv"

measure() { # name, command...
    local name=$1; shift
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" > /dev/null
    read -r secs kib < "$work/time"
    printf '%-28s %8.2f s %10.1f MiB\n' "$name" "$secs" "$(echo "$kib / 1024" | bc -l)"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
measure "klimat simulate (1M rows)" $bin simulate --survey $survey --units 40 --respondents-per-unit 6250 \
    --waves 4 --pilot-units 6 --effect idea-support=0.4,trust=0.3 --seed 1 --out "$file"
echo "file: $(wc -l < "$file") lines, $(du -m "$file" | cut -f1) MB"
# Warm the page cache so both tools read from memory.
cat "$file" > /dev/null
for run in 1 2 3; do
    measure "klimat score json (run $run)" $bin score --survey $survey --responses "$file" --out "$work/score.json"
done
measure "klimat score md" $bin score --survey $survey --responses "$file" --format md --out "$work/score.md"
if python3 -c "import pingouin" 2> /dev/null; then
    measure "pandas + pingouin" python3 benches/score_pingouin.py $survey "$file"
else
    echo "pandas + pingouin: not installed (pip install pingouin) — skipped"
fi
