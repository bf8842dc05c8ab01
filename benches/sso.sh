#!/usr/bin/env bash
# Single sign-on round trip (issue 21: ≤ 50 ms server time excluding the
# provider): 200 logins through the test OpenID provider (oidc-provider,
# tests/oidc) on loopback, curl playing the browser. For each login the
# server time of the start (`/staff/login/sso`) and of the callback (from
# klimat's access log), minus the provider's time to answer the code
# exchange (logged as provider_ms). Median and 95th percentile; the
# password login of the same account beside it (argon2id dominates that).
#
# Usage: bash benches/sso.sh [WORKDIR] [LOGINS]   (needs node, npm, curl)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d)}
logins=${2:-200}
mkdir -p "$work"
cargo build --release -q
(cd tests/oidc && [ -d node_modules ] || npm ci --silent --no-audit --no-fund)
bin=$PWD/target/release/klimat
repo=$PWD
cd "$work"
rm -rf klimat.db* cj serve.log provider.log
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pport=$(free_port)
kport=$(free_port)
node "$repo/tests/oidc/provider.mjs" "$pport" "http://127.0.0.1:$kport/staff/login/sso/callback" > provider.log 2>&1 &
provider=$!
export KLIMAT_SECRET=bench-secret-0123456789abcdef0123456789
export KLIMAT_BIND=127.0.0.1:$kport KLIMAT_PUBLIC_URL=http://127.0.0.1:$kport
export KLIMAT_OIDC_ISSUER=http://127.0.0.1:$pport KLIMAT_OIDC_CLIENT_ID=klimat
export KLIMAT_OIDC_CLIENT_SECRET=klimat-test-client-secret KLIMAT_OIDC_ROLES=klimat-utvarderare=evaluator
until grep -q listening provider.log; do sleep 0.1; done
printf 'code,name,parent\nregion,Region,\n' > units.csv
$bin unit import units.csv > /dev/null
printf '%s\n' "a long enough password" | $bin user add pw@region.se --role evaluator --password-stdin > /dev/null
RUST_LOG=info $bin serve --no-worker > /dev/null 2> serve.log &
server=$!
trap 'kill $server $provider 2> /dev/null || true' EXIT
until grep -q "listening on" serve.log; do sleep 0.1; done

loc() { grep -i '^location:' | cut -d' ' -f2 | tr -d '\r'; }
# Logins are limited to 10 a minute per client address: each login comes
# from its own loopback address (127.0.x.y).
client() { echo "127.0.$(($1 / 250 + 1)).$(($1 % 250 + 2))"; }
for n in $(seq "$logins"); do
    rm -f cj
    from=(--interface "$(client "$n")")
    a=$(curl -si "${from[@]}" -c cj -b cj "http://127.0.0.1:$kport/staff/login/sso?next=/staff" | loc)
    i=$(curl -si -c cj -b cj "$a" | loc)
    r=$(curl -si -c cj -b cj "http://127.0.0.1:$pport$i?account=eva" | loc)
    cb=$(curl -si -c cj -b cj "$r" | loc)
    curl -s "${from[@]}" -o /dev/null -c cj -b cj "$cb"
done
for n in $(seq 20); do
    rm -f cj
    from=(--interface "$(client $((n + 1000)))")
    t=$(curl -s "${from[@]}" -c cj -b cj "http://127.0.0.1:$kport/staff/login" | grep -o 'name="csrf" value="[^"]*"' | cut -d'"' -f4)
    curl -s "${from[@]}" -o /dev/null -c cj -b cj --data-urlencode "email=pw@region.se" \
        --data-urlencode "password=a long enough password" --data-urlencode "csrf=$t" \
        "http://127.0.0.1:$kport/staff/login"
done
sleep 0.5
python3 - serve.log "$logins" <<'PY'
import re, statistics, sys
log = open(sys.argv[1]).read().splitlines()
ms = lambda path: [float(re.search(r"ms=([0-9.]+)", l).group(1)) for l in log
                   if f"path={path} " in l and "status=303" in l]
start, callback = ms("/staff/login/sso"), ms("/staff/login/sso/callback")
provider = [float(m) for m in re.findall(r"provider_ms=([0-9.]+)", "\n".join(log))]
password = ms("/staff/login")
assert len(callback) == len(provider) == int(sys.argv[2]), (len(callback), len(provider))
own = [s + c - p for s, c, p in zip(start, callback, provider)]
def show(name, xs):
    xs = sorted(xs)
    p95 = xs[max(0, int(round(0.95 * len(xs))) - 1)]
    print(f"{name:<58} median {statistics.median(xs):7.2f} ms   p95 {p95:7.2f} ms   (n = {len(xs)})")
show("klimat's server time per SSO login (start + callback − provider)", own)
show("  the callback's whole time (with the provider's code exchange)", callback)
show("  the provider's code exchange (oidc-provider on Node.js)", provider)
show("password login (argon2id) for comparison", password)
PY
