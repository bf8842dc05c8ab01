#!/usr/bin/env bash
# Feedback reports for the 500 units of benches/dashboard.sh's organisation
# (run that first with the same WORKDIR; it leaves the database and the
# viewer's session): every unit's report written as HTML by `klimat report
# feedback` (three runs), and one unit's report page from `klimat serve`,
# one request at a time, with the server's own time from its access log.
#
# Usage: bash benches/feedback.sh WORKDIR [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
work=${1:?the WORKDIR of benches/dashboard.sh}
secs=${2:-10}
cargo build --release -q
bin=$repo/target/release/klimat
cd "$work"
export KLIMAT_SECRET=bench-secret-0123456789abcdef0123456789
echo "== every unit's feedback report as HTML files (three runs)"
for _ in 1 2 3; do
    rm -rf feedback-out
    /usr/bin/time -f "%e s, %M KiB" "$bin" report feedback --study bench --dir feedback-out 2>&1 | tail -n 2
done
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
KLIMAT_BIND=127.0.0.1:$port RUST_LOG=info $bin serve --no-worker > /dev/null 2> feedback-serve.log &
server=$!
trap 'kill $server 2> /dev/null || true' EXIT
sleep 1
base=http://127.0.0.1:$port
login=$(curl -s -c fjar "$base/staff/login" | grep -o 'name="csrf" value="[0-9a-f]*"' | grep -o '[0-9a-f]\{40\}')
curl -s -b fjar -c fjar -o /dev/null -d "email=lead@region.se&password=dashboard-bench-password&csrf=$login&next=/staff" "$base/staff/login"
session=$(grep klimat_session fjar | awk '{print $7}')
unit=$(sed -n 14p units.csv | cut -d, -f1)
page="$base/staff/studies/bench/feedback/$unit"
curl -s -o unit.html -w "unit $unit: HTTP %{http_code}, %{size_download} bytes\n" -H "Cookie: klimat_session=$session" "$page"
echo "== one unit's report page, one connection"
wrk -t1 -c1 -d"${secs}s" --latency -H "Cookie: klimat_session=$session" "$page" | sed -n '/Latency Distribution/,/Requests\/sec/p'
echo "== server time (access log, ms) of the report requests: median and max"
grep "path=/staff/studies/bench/feedback/" feedback-serve.log | grep -o 'ms=[0-9.]*' | cut -d= -f2 | sort -n |
    awk '{a[NR] = $1} END {print "median " a[int((NR + 1) / 2)] ", max " a[NR] " (" NR " requests)"}'
