#!/usr/bin/env bash
# Submissions of the 40-item creative-climate form over HTTP to `klimat
# serve` (SQLite), with wrk (Debian) on the same machine: throughput and
# latency percentiles. Then the same rows stored without HTTP (the
# database's limit, `cargo bench --bench submit_direct`), and the crash
# check: kill -9 of the server under load, restart, and count.
#
# With KLIMAT_BENCH_DATABASE_URL=postgres://… the HTTP phase runs against
# that PostgreSQL database instead (built with --features postgres; the
# database is emptied first), without the SQLite-only direct and crash phases.
#
# The HTTP phase runs RUNS times (each on links of its own, against the
# same server and growing database) and ends with the median throughput
# and the worst p99: one run on a shared 2-core machine varies by ±15 %.
#
# Usage: bash benches/submit.sh [WORKDIR] [SECONDS] [CONNECTIONS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
work=${1:-$(mktemp -d)}
secs=${2:-10}
conns=${3:-32}
runs=${4:-3}
mkdir -p "$work"
db_url=${KLIMAT_BENCH_DATABASE_URL:-}
if [ -n "$db_url" ]; then
    cargo build --release -q --features postgres
    psql "$db_url" -q -c "DROP SCHEMA public CASCADE; CREATE SCHEMA public;" > /dev/null
else
    cargo build --release -q
    db_url="sqlite://$work/klimat.db"
fi
export KLIMAT_DATABASE_URL=$db_url
bin=$repo/target/release/klimat
cd "$work"
rm -rf klimat.db* mail-out
$bin migrate > /dev/null
export KLIMAT_SECRET=bench-secret-0123456789abcdef0123456789
# Links: 30,000 a second per HTTP run, more than the server stores, so
# that no run wraps around to links already used (submit.lua starts over
# when its list runs out, and those requests store nothing); then 40,000 for
# the direct phase and the rest for the crash phase. Throughput is what was
# stored, counted in the database before and after each run.
slice=$(( secs * 30000 ))
N=$(( runs * slice + 100000 ))
python3 - "$N" <<'PY'
import sys
n = int(sys.argv[1])
with open("units.csv", "w") as f:
    f.write("code,name,parent\nregion,Region,\n")
    for i in range(100):
        f.write(f"u{i:03},Enhet {i},region\n")
with open("roster.csv", "w") as f:
    f.write("email,unit,language\n")
    for i in range(n):
        f.write(f"p{i:07}@region.se,u{i % 100:03},sv\n")
PY
$bin unit import units.csv > /dev/null
$bin survey publish "$repo/surveys/creative-climate.toml" > /dev/null
$bin study create --name bench --survey creative-climate --pilot u000,u001 --control u002,u003 --intervention-date 2026-01-01 > /dev/null
$bin wave create --study bench --name w1 --opens 2026-12-01 --closes 2099-12-31 > /dev/null
$bin roster import --wave bench:w1 roster.csv > /dev/null
$bin wave open bench:w1 > /dev/null
$bin wave send bench:w1 > /dev/null   # stores the token hashes; nothing is delivered here
python3 - "$N" "$repo/surveys/creative-climate.toml" <<'PY'
import hashlib, hmac, os, re, sys
n, survey = int(sys.argv[1]), open(sys.argv[2]).read()
key = os.environ["KLIMAT_SECRET"].encode()
def token(wave, inv):
    m = hmac.new(key, b"klimat/survey/v1" + wave.to_bytes(8, "big") + inv.to_bytes(8, "big"), hashlib.sha256)
    return m.hexdigest()[:40]
with open("tokens.txt", "w") as f:
    for i in range(1, n + 1):
        f.write(token(1, i) + "\n")
items = re.findall(r'^\[\[items\]\]\s*\nid = "([^"]+)"', survey, re.M)
assert len(items) == 40, len(items)
with open("body.txt", "w") as f:
    f.write("page=3&action=submit&" + "&".join(f"i.{i}={(k % 4)}" for k, i in enumerate(items)))
PY

start_server() {
    KLIMAT_BIND=127.0.0.1:0 RUST_LOG=warn $bin serve --no-worker > serve.out 2> serve.err &
    server=$!
    while ! grep -q listening serve.out 2> /dev/null; do sleep 0.1; done
    url=$(sed -n 's/^listening on //p' serve.out | head -n 1)
}
# The set-up above left the new database file dirty in the page cache; on
# ext4 the first fsync of the WAL would write all of it out (a 230 ms stall
# of the first commit that no running service has).
sync
count() {
    if [[ $db_url == postgres* ]]; then
        echo "$(psql "$db_url" -At -c 'SELECT count(*) FROM responses') $(psql "$db_url" -At -c 'SELECT count(*) FROM invitations WHERE answered')"
    else
        python3 -c "import sqlite3; c=sqlite3.connect('klimat.db'); print(c.execute(\"SELECT count(*) FROM responses\").fetchone()[0], c.execute('SELECT count(*) FROM invitations WHERE answered').fetchone()[0])"
    fi
}
start_server
export BODY=$work/body.txt WRK_THREADS=2
rm -f runs.txt
for run in $(seq 1 "$runs"); do
    sed -n "$(( (run - 1) * slice + 1 )),$(( run * slice ))p" tokens.txt > "tokens-$run.txt"
    echo "== wrk run $run of $runs: $secs s, 2 threads, $conns connections, each request a new link"
    before=$(count | cut -d' ' -f1)
    TOKENS=$work/tokens-$run.txt wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$repo/benches/submit.lua" "$url" \
        | tee wrk.out | grep -E "Latency|50%|90%|99%|p99.9|Requests/sec|requests in|Non-2xx"
    stored=$(( $(count | cut -d' ' -f1) - before ))
    echo "stored: $stored responses, $(( stored / secs ))/s"
    echo "$(( stored / secs )) $(awk '$1 == "99%" {v = $2; if (v ~ /us$/) v = v / 1000; else if (v ~ /ms$/) v = v + 0; else if (v ~ /s$/) v = v * 1000; print v}' wrk.out)" >> runs.txt
done
sort -n runs.txt | awk -v n="$runs" '{r[NR] = $1; if ($2 > p) p = $2} END {printf "== median of %d runs: %.0f stored submissions/s; worst p99 %.1f ms\n", n, r[int((n + 1) / 2)], p}'
echo "responses, answered invitations: $(count)"
if [[ $db_url == postgres* ]]; then
    kill $server
    exit 0
fi
echo "WAL after the runs: $(( $(stat -c %s klimat.db-wal 2> /dev/null || echo 0) / 1048576 )) MiB (checkpoints keep it bounded)"

echo "== the same rows without HTTP (store functions, same transactions)"
(cd "$repo" && cargo bench -q --bench submit_direct -- "sqlite://$work/klimat.db" "$work/tokens.txt" $(( runs * slice )) 20000)

echo "== crash check: kill -9 under load, restart"
# Fresh links for this phase; every stored submission the client saw is logged.
tail -n +$(( runs * slice + 40001 )) tokens.txt > tokens-crash.txt
before=$(count | cut -d' ' -f1)
rm -f ok.*
( TOKENS=$work/tokens-crash.txt OKLOG=$work/ok. wrk -t2 -c"$conns" -d5s -s "$repo/benches/submit.lua" "$url" > /dev/null 2>&1 || true ) &
load=$!
sleep 2
kill -9 $server
wait $load || true
acknowledged=$(cat ok.* | wc -l)
start_server
after=$(count)
stored=$(( $(echo $after | cut -d' ' -f1) - before ))
echo "acknowledged during the crash phase: $acknowledged; stored: $stored ($( [ "$stored" -ge "$acknowledged" ] && echo 'none lost' || echo 'LOST SOME'))"
echo "responses, answered invitations: $after ($( [ "$(echo $after | cut -d' ' -f1)" = "$(echo $after | cut -d' ' -f2)" ] && echo 'one response per answered invitation' || echo MISMATCH))"
kill $server
