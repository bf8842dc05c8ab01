#!/usr/bin/env bash
# The leadership dashboard for 500 units × 10 waves × 10 dimensions
# (creative-climate), rendered by `klimat serve` on SQLite: the organisation
# is a region with 10 divisions of 49 units each (plus the divisions), about
# 12 respondents per unit and wave (≈ 59,000 responses). Measures the page
# (scoring every response, the disclosure plan, three SVG charts and the
# tables) and the same figures as JSON from the API, one request at a time
# (wrk with 1 connection), and the server's own time from its access log.
# The page carries the headline cards, computed at the first view (timed
# apart) and read from the database afterwards.
#
# Usage: bash benches/dashboard.sh [WORKDIR] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
work=${1:-$(mktemp -d)}
secs=${2:-10}
mkdir -p "$work"
cargo build --release -q
bin=$repo/target/release/klimat
cd "$work"
rm -rf klimat.db* serve.log
export KLIMAT_SECRET=bench-secret-0123456789abcdef0123456789
$bin simulate --survey "$repo/surveys/creative-climate.toml" --units 490 --respondents-per-unit 12 \
    --waves 10 --seed 3 --out sim.csv > /dev/null
python3 - <<'PY'
import csv, collections
rows = list(csv.reader(open("sim.csv")))
header, body = rows[0], rows[1:]
units = sorted({r[0] for r in body})
with open("units.csv", "w") as f:
    f.write("code,name,parent\nregion,Region,\n")
    for d in range(10):
        f.write(f"div-{d},Division {d},region\n")
    for i, u in enumerate(units):
        f.write(f"{u},Enhet {u},div-{i % 10}\n")
by_wave = collections.defaultdict(list)
for r in body:
    by_wave[r[1]].append(r)
with open("waves.txt", "w") as w:
    for wave, rs in sorted(by_wave.items()):
        with open(f"wave-{wave}.csv", "w", newline="") as f:
            out = csv.writer(f)
            out.writerow(header)
            out.writerows(rs)
        w.write(wave + "\n")
with open("pilot.txt", "w") as f:
    f.write(",".join(units[:50]) + "\n" + ",".join(units[50:]) + "\n")
PY
$bin unit import units.csv > /dev/null
$bin survey publish "$repo/surveys/creative-climate.toml" > /dev/null
$bin study create --name bench --survey creative-climate --pilot "$(sed -n 1p pilot.txt)" \
    --control "$(sed -n 2p pilot.txt)" --intervention-date 2026-01-01 > /dev/null
while read -r wave; do
    $bin wave create --study bench --name "$wave" --opens "$wave-01" --closes "$wave-28" > /dev/null
    $bin wave open "bench:$wave" > /dev/null
    $bin responses import --wave "bench:$wave" "wave-$wave.csv" > /dev/null
    # Figures are published once a wave closes.
    $bin wave close "bench:$wave" > /dev/null
done < waves.txt
echo "responses: $(python3 -c "import sqlite3; print(sqlite3.connect('klimat.db').execute('select count(*) from responses').fetchone()[0])"), units: $(($(wc -l < units.csv) - 1)), waves: $(wc -l < waves.txt)"
printf '%s\n' "dashboard-bench-password" | $bin user add lead@region.se --role viewer --password-stdin > /dev/null
token=$($bin token create --name bench --role viewer 2> /dev/null)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
KLIMAT_BIND=127.0.0.1:$port RUST_LOG=info $bin serve --no-worker > /dev/null 2> serve.log &
server=$!
trap 'kill $server 2> /dev/null || true' EXIT
sleep 1
base=http://127.0.0.1:$port
login=$(curl -s -c jar "$base/staff/login" | grep -o 'name="csrf" value="[0-9a-f]*"' | grep -o '[0-9a-f]\{40\}')
curl -s -b jar -c jar -o /dev/null -d "email=lead@region.se&password=dashboard-bench-password&csrf=$login&next=/staff" "$base/staff/login"
session=$(grep klimat_session jar | awk '{print $7}')
page="$base/staff/studies/bench/dashboard?lang=en"
# The first view computes the headline cards (the study's effect report) and stores them.
curl -s -o page.html -w "dashboard page, first view (computes the headline cards): HTTP %{http_code}, %{size_download} bytes, %{time_total} s\n" -H "Cookie: klimat_session=$session" "$page"
# The cards come from the effect report, computed in the background: wait for them.
start=$(date +%s.%N)
until curl -s -o page.html -H "Cookie: klimat_session=$session" "$page" && grep -q '<li class="card ' page.html; do sleep 2; done
echo "headline cards stored after $(python3 -c "print(round($(date +%s.%N) - $start, 1))") s (the study's effect report, in the background)"
curl -s -o page.html -H "Cookie: klimat_session=$session" "$page"
grep -c '<li class="card ' page.html | sed 's/^/headline cards: /'
grep -c "<svg" page.html | sed 's/^/charts: /'
echo "== the dashboard page (top level: the 10 divisions), one connection"
wrk -t1 -c1 -d"${secs}s" --latency -H "Cookie: klimat_session=$session" "$page" | sed -n '/Latency Distribution/,/Requests\/sec/p'
echo "== a division's 49 units"
wrk -t1 -c1 -d"${secs}s" --latency -H "Cookie: klimat_session=$session" "$base/staff/studies/bench/dashboard?parent=div-3&dimension=idea-support&lang=en" | sed -n '/Latency Distribution/,/Requests\/sec/p'
echo "== the aggregates as JSON from the API"
wrk -t1 -c1 -d"${secs}s" --latency -H "Authorization: Bearer $token" "$base/api/v1/studies/bench/aggregates" | sed -n '/Latency Distribution/,/Requests\/sec/p'
echo "== server time (access log, ms) of the dashboard requests: median and max"
grep 'path=/staff/studies/bench/dashboard status=200' serve.log | sed 's/.*ms=//' | sort -n | awk '{a[NR]=$1} END {print "median", a[int((NR+1)/2)], "max", a[NR], "n", NR}'
