#!/usr/bin/env bash
# E-mail figures: enqueueing 100,000 invitations on SQLite (`klimat wave
# send`) and delivering to an SMTP server on this machine (aiosmtpd, Debian's
# python3-aiosmtpd, writing every message to disk) with pooling; and, for
# comparison, what that receiver sustains from a plain Python smtplib sender
# with as many connections.
#
# Usage: bash benches/mail.sh [WORKDIR] [DELIVER]   (DELIVER messages are sent; default 20000)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d)}
deliver=${2:-20000}
mkdir -p "$work"
cargo build --release -q
bin=$PWD/target/release/klimat
cd "$work"
rm -rf klimat.db* inbox inbox-py mail-out
export KLIMAT_SECRET=bench-secret-0123456789abcdef0123456789
python3 - <<'PY'
units = [f"u{i:03}" for i in range(100)]
with open("units.csv", "w") as f:
    f.write("code,name,parent\nregion,Region,\n")
    for u in units:
        f.write(f"{u},Enhet {u},region\n")
with open("roster.csv", "w") as f:
    f.write("email,unit,language\n")
    for i in range(100_000):
        f.write(f"p{i:06}@region.se,{units[i % 100]},{'sv' if i % 3 else 'en'}\n")
PY
$bin unit import units.csv > /dev/null
$bin survey publish "$OLDPWD/surveys/creative-climate.toml" > /dev/null
$bin study create --name bench --survey creative-climate --pilot u000,u001 --control u002,u003 --intervention-date 2026-01-01 > /dev/null
$bin wave create --study bench --name w1 --opens 2026-12-01 --closes 2026-12-31 > /dev/null
t0=$(date +%s.%N); $bin roster import --wave bench:w1 roster.csv > /dev/null; t1=$(date +%s.%N)
printf 'roster import, 100,000 people:        %6.2f s\n' "$(echo "$t1 - $t0" | bc -l)"
$bin wave open bench:w1 > /dev/null
t0=$(date +%s.%N); $bin wave send bench:w1 > /dev/null; t1=$(date +%s.%N)
printf 'wave send (enqueue 100,000), SQLite:  %6.2f s\n' "$(echo "$t1 - $t0" | bc -l)"

# Delivery of the first $deliver messages: cancel the rest so --once stops after them.
sqlite3 klimat.db "UPDATE outbox SET state = 'cancelled' WHERE id > $deliver" 2> /dev/null \
  || python3 -c "import sqlite3; c=sqlite3.connect('klimat.db'); c.execute(\"UPDATE outbox SET state='cancelled' WHERE id > $deliver\"); c.commit()"
/usr/bin/python3 "$OLDPWD/tests/smtp/server.py" --out inbox > smtp.out &
smtp=$!
trap 'kill $smtp 2> /dev/null || true' EXIT
while ! grep -q READY smtp.out; do sleep 0.1; done
port=$(awk '{print $2}' smtp.out)
export KLIMAT_SMTP_URL=smtp://127.0.0.1:$port KLIMAT_MAIL_RATE=100000 KLIMAT_MAIL_CONNECTIONS=32 KLIMAT_MAIL_FROM=klimat@region.se
t0=$(date +%s.%N); $bin worker --once > worker.out; t1=$(date +%s.%N)
secs=$(echo "$t1 - $t0" | bc -l)
printf 'klimat worker, %d messages, 32 conn: %6.2f s = %5.0f messages/s (%s)\n' "$deliver" "$secs" "$(echo "$deliver / $secs" | bc -l)" "$(cat worker.out)"

# The receiver alone: smtplib, 8 threads, one connection each, same message size.
sample=$(find inbox -name '*.eml' -print -quit)
/usr/bin/python3 - "$port" "$deliver" "$sample" <<'PY'
import smtplib, sys, threading, time
port, n, sample = int(sys.argv[1]), int(sys.argv[2]), open(sys.argv[3], "rb").read()
def send(count):
    s = smtplib.SMTP("127.0.0.1", port)
    for i in range(count):
        s.sendmail("klimat@region.se", [f"x{i}@region.se"], sample)
    s.quit()
t0 = time.time()
threads = [threading.Thread(target=send, args=(n // 8,)) for _ in range(8)]
[t.start() for t in threads]; [t.join() for t in threads]
secs = time.time() - t0
print(f"aiosmtpd from smtplib, {n} messages, 8 conn: {secs:6.2f} s = {n / secs:5.0f} messages/s")
PY
