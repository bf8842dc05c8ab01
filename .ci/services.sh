# Services the tests talk to. Sourced by .ci/test; each function installs what
# it needs from Debian's packages (when missing), starts the service on this
# machine only, exports the variable the tests read, and stops it on exit.

apt_install() {
    local missing=()
    for p in "$@"; do dpkg -s "$p" > /dev/null 2>&1 || missing+=("$p"); done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "installing ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" > /dev/null
    fi
}

# A throwaway PostgreSQL cluster on 127.0.0.1:$PGPORT, trust authentication.
start_postgres() {
    apt_install postgresql libpq-dev
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    PG_DIR=$(mktemp -d /tmp/klimat-pg.XXXXXX)
    chown postgres "$PG_DIR"
    # The first free port from 55432 on, so that a server left running does not stop the tests.
    PGPORT=55432
    while (echo > "/dev/tcp/127.0.0.1/$PGPORT") 2> /dev/null; do PGPORT=$((PGPORT + 1)); done
    su postgres -c "$PG_BIN/initdb -D $PG_DIR/data -A trust -U postgres > $PG_DIR/initdb.log"
    if ! su postgres -c "$PG_BIN/pg_ctl -D $PG_DIR/data -l $PG_DIR/server.log -w \
        -o '-p $PGPORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off' start" > /dev/null; then
        cat "$PG_DIR/server.log" >&2
        return 1
    fi
    export KLIMAT_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/postgres"
    echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PGPORT"
}

stop_postgres() {
    if [ -n "${PG_DIR:-}" ] && [ -n "${PG_BIN:-}" ]; then
        su postgres -c "$PG_BIN/pg_ctl -D $PG_DIR/data -m fast stop" > /dev/null 2>&1 || true
        rm -rf "$PG_DIR"
    fi
}

# The SMTP receiver the mail tests start (aiosmtpd from Debian; tests/smtp/server.py).
install_smtp() {
    apt_install python3-aiosmtpd
    export KLIMAT_TEST_PYTHON=/usr/bin/python3
}

# Headless Chromium, its WebDriver, and axe-core (npm, pinned in .ci/node).
install_browser() {
    apt_install chromium chromium-driver poppler-utils
    if ! command -v npm > /dev/null; then apt_install npm; fi
    (cd .ci/node && npm ci --silent --no-audit --no-fund > /dev/null)
    export KLIMAT_TEST_CHROMIUM=/usr/bin/chromium
    export KLIMAT_TEST_CHROMEDRIVER=/usr/bin/chromedriver
    export KLIMAT_TEST_AXE="$PWD/.ci/node/node_modules/axe-core/axe.min.js"
}

# The OpenID provider the sign-in tests start (oidc-provider from npm,
# pinned in tests/oidc; tests/oidc/provider.mjs).
install_oidc_provider() {
    if ! command -v npm > /dev/null; then apt_install npm; fi
    (cd tests/oidc && npm ci --silent --no-audit --no-fund > /dev/null)
    export KLIMAT_TEST_NODE="$(command -v node)"
}

# The analysts' tools that read klimat's exports back: GNU PSPP (.sav),
# openpyxl (.xlsx, for Debian's python3) and R (the .R script).
install_analysts_tools() {
    apt_install pspp python3-openpyxl r-base-core unzip
}
