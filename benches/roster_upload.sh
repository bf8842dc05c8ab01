#!/usr/bin/env bash
# The roster page with 100,000 people (issue 17: ≤ 5 s including the page):
# a staff member uploads the CSV through the web form (multipart, as the
# browser sends it) and gets the wave page back, against `klimat roster
# import` on the same file — the same use case — and a refused file of the
# same size with one bad line (every line checked, nothing stored). curl
# plays the browser. Three runs each, fresh waves.
#
# Usage: bash benches/roster_upload.sh [WORKDIR]   (needs curl, bc)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d)}
mkdir -p "$work"
cargo build --release -q
bin=$PWD/target/release/klimat
repo=$PWD
cd "$work"
rm -rf klimat.db* jar
export KLIMAT_SECRET=bench-secret-0123456789abcdef0123456789
python3 - <<'PY'
units = [f"u{i:03}" for i in range(100)]
with open("units.csv", "w") as f:
    f.write("code,name,parent\nregion,Region,\n")
    for u in units:
        f.write(f"{u},Enhet {u},region\n")
rows = [f"p{i:06}@region.se,{units[i % 100]},{'sv' if i % 3 else 'en'}\n" for i in range(100_000)]
with open("roster.csv", "w") as f:
    f.write("email,unit,language\n" + "".join(rows))
rows[50_000] = "not-an-address,u001,sv\n"
with open("roster-bad.csv", "w") as f:
    f.write("email,unit,language\n" + "".join(rows))
PY
$bin unit import units.csv > /dev/null
$bin survey publish "$repo/surveys/creative-climate.toml" > /dev/null
$bin study create --name bench --survey creative-climate --pilot u000,u001 --control u002,u003 --intervention-date 2026-01-01 > /dev/null
echo "a long enough password" | $bin user add eva@region.se --role evaluator --password-stdin > /dev/null
port=$((20000 + RANDOM % 20000))
KLIMAT_BIND=127.0.0.1:$port $bin serve --no-worker > serve.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
until curl -s "http://127.0.0.1:$port/healthz" > /dev/null; do sleep 0.1; done
base=http://127.0.0.1:$port
csrf() { sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$1" | head -1; }
curl -s -c jar -b jar "$base/staff/login" -o login.html
curl -s -c jar -b jar -o /dev/null --data-urlencode "email=eva@region.se" --data-urlencode "password=a long enough password" \
    --data-urlencode "csrf=$(csrf login.html)" --data-urlencode "next=/staff" "$base/staff/login"
seconds() { echo "$2 - $1" | bc -l; }
id=0
for run in 1 2 3; do
    for how in web cli bad; do
        name="$how-$run"
        $bin wave create --study bench --name "$name" --opens 2026-12-01 --closes 2026-12-31 > /dev/null
        id=$((id + 1))   # waves are numbered in order in this fresh database
        t0=$(date +%s.%N)
        case $how in
            cli) $bin roster import --wave "bench:$name" roster.csv > /dev/null ;;
            web|bad)
                file=roster.csv; [ $how = bad ] && file=roster-bad.csv
                curl -s -c jar -b jar "$base/staff/waves/$id/roster" -o page.html
                code=$(curl -s -c jar -b jar -L -o result.html -w '%{http_code}' -F "csrf=$(csrf page.html)" \
                    -F mode=add -F "file=@$file;type=text/csv" "$base/staff/waves/$id/roster")
                [ $how = web ] && [ "$code" != 200 ] && { echo "upload failed: $code"; exit 1; }
                [ $how = bad ] && [ "$code" != 422 ] && { echo "bad upload not refused: $code"; exit 1; }
                ;;
        esac
        t1=$(date +%s.%N)
        printf '%-44s %6.2f s\n' "roster 100,000: $how (run $run)" "$(seconds "$t0" "$t1")"
    done
done
