#!/usr/bin/env bash
# The performance record of klimat: every figure in BENCHMARKS.md.
#
# Data: 1,000,000 respondents × 40 items (10 dimensions of creative-climate)
# × 40 units × 4 waves, simulated. Measures `klimat simulate`, `klimat score`
# and `klimat report effect` (B = 9,999, all formats), each with wall time and
# peak memory, and the same analyses with pandas + pingouin and with pyfixest
# when they are installed (pip install pingouin pyfixest).
#
# Then runs benches/store.sh, mail.sh, submit.sh, dashboard.sh,
# roster_upload.sh and exports.sh: every
# figure of BENCHMARKS.md in one run on one machine.
#
# Usage: bash benches/run.sh [WORKDIR]   (needs /usr/bin/time, bc, wrk and python3-aiosmtpd)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d)}
mkdir -p "$work"
cargo build --release -q
bin=$PWD/target/release/klimat
survey=surveys/creative-climate.toml
file="$work/responses-1m.csv"

measure() { # name, command...
    local name=$1; shift
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/last.out" 2> "$work/last.err"
    read -r secs kib < "$work/time"
    printf '%-36s %8.2f s %10.1f MiB\n' "$name" "$secs" "$(echo "$kib / 1024" | bc -l)"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
measure "klimat simulate (1M rows)" $bin simulate --survey $survey --units 40 --respondents-per-unit 6250 \
    --waves 4 --pilot-units 6 --effect idea-support=0.4,trust=0.3 --seed 1 --out "$file"
pilots=$(sed -n 's/^pilot units: //p' "$work/last.out")
first_post=$(sed -n 's/^first post wave: //p' "$work/last.out")
echo "file: $(($(wc -l < "$file") - 1)) respondents, $(du -m "$file" | cut -f1) MB; pilots $pilots; first post wave $first_post"
# Warm the page cache so every tool reads from memory.
cat "$file" > /dev/null

for run in 1 2 3; do
    measure "klimat score json (run $run)" $bin score --survey $survey --responses "$file" --out "$work/score.json"
done
measure "klimat score md" $bin score --survey $survey --responses "$file" --format md --out "$work/score.md"
# The score report without its validity section (the factor models).
measure "klimat score json --no-validity" $bin score --survey $survey --responses "$file" --no-validity --out "$work/score.json"
for run in 1 2 3; do
    rm -rf "$work/effect"
    measure "klimat report effect, all formats ($run)" $bin report effect --survey $survey --responses "$file" \
        --pilot "$pilots" --first-post-wave "$first_post" --reps 9999 --out "$work/effect"
done

if python3 -c "import pingouin" 2> /dev/null; then
    measure "pandas + pingouin (score)" python3 benches/score_pingouin.py $survey "$file"
else
    echo "pandas + pingouin: not installed (pip install pingouin) — skipped"
fi
if python3 -c "import pyfixest" 2> /dev/null; then
    measure "pyfixest + wild bootstrap (effect)" python3 benches/effect_pyfixest.py $survey "$file" "$pilots" "$first_post"
else
    echo "pyfixest: not installed (pip install pyfixest) — skipped"
fi

# The figures of the later issues, on the same machine in the same run.
echo
echo "== persistence: 1M responses into SQLite (and PostgreSQL with KLIMAT_BENCH_POSTGRES_URL)"
bash benches/store.sh "$file" "$work"
echo
echo "== e-mail: enqueue 100,000 invitations, deliver 20,000 to aiosmtpd"
bash benches/mail.sh "$work/mail" 20000
echo
echo "== submissions of the 40-item form over HTTP, the database's limit, kill -9"
bash benches/submit.sh "$work/submit" 10 32
echo
echo "== the dashboard: 500 units × 10 waves × 10 dimensions"
bash benches/dashboard.sh "$work/dashboard" 10
echo "== benches/roster_upload.sh"
bash benches/roster_upload.sh "$work/roster"
echo
echo "== the disclosure plan: 500 units × 10 waves × 3 studies with arms"
cargo bench -q --bench disclosure_plan
echo
echo "== exports: a 253,000-response wave to .sav and .xlsx, beside PSPP and openpyxl"
bash benches/exports.sh "$work/exports"
echo
echo "== single sign-on: 200 logins through the test OpenID provider"
bash benches/sso.sh "$work/sso" 200
