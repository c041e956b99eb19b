#!/usr/bin/env bash
# Runs every test suite of Latchkey: unit, architecture, integration (SQLite and PostgreSQL), the
# browser tests (Playwright driving Debian's Chromium) and the compatibility suite with the official Okta
# Node SDK (SQLite and PostgreSQL). Installs what it needs on a fresh Debian machine (PostgreSQL, Chromium;
# the suite's npm packages). Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
LOGS=$(mktemp -d /tmp/latchkey-test.XXXXXX)
PASSED=0; FAILED=0; SKIPPED=0; BROKEN=()
PG_DIR=""; PG_BIN=""; PG_PORT=""

say() { printf '\n==> %s\n' "$*"; }

cleanup() {
  if [ -n "$PG_DIR" ] && [ -n "$PG_BIN" ]; then
    run_pg "$PG_BIN/pg_ctl" -D "$PG_DIR" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}
trap cleanup EXIT

run_pg() { # PostgreSQL refuses to run as root: run its tools as the postgres user then.
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$(printf '%q ' "$@")"; else "$@"; fi
}

ensure_postgres() {
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
    if [ "$(id -u)" != 0 ]; then echo "PostgreSQL is not installed and this is not root: apt-get install postgresql" >&2; return 1; fi
    say "Installing PostgreSQL (Debian package)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || return 1
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
}

start_postgres() {
  ensure_postgres || return 1
  PG_DIR=$(mktemp -d /tmp/latchkey-pg.XXXXXX)
  [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
  PG_PORT=55432
  while (echo >"/dev/tcp/127.0.0.1/$PG_PORT") 2>/dev/null; do PG_PORT=$((PG_PORT + 1)); done
  run_pg "$PG_BIN/initdb" -D "$PG_DIR" -U postgres --auth=trust >"$LOGS/initdb.log" 2>&1 || { cat "$LOGS/initdb.log"; return 1; }
  # Each test class runs its own server with its own connection pool, and the classes run in parallel: 100 connections are too few.
  run_pg "$PG_BIN/pg_ctl" -D "$PG_DIR" -o "-k /tmp -h 127.0.0.1 -p $PG_PORT -c fsync=off -c max_connections=400" -l "$PG_DIR/server.log" -w start >/dev/null || return 1
  export LATCHKEY_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres"
  echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
}

# Reads the totals of one suite's output and adds them up; a suite that printed no totals is broken.
count_dotnet() { # Microsoft.Testing.Platform summary: lines "total: N", "failed: N", "succeeded: N", "skipped: N"
  local name=$1 log=$2 t f s k
  t=$(grep -E '^ *total: [0-9]+' "$log" | tail -n 1 | awk '{print $2}'); f=$(grep -E '^ *failed: [0-9]+' "$log" | tail -n 1 | awk '{print $2}')
  s=$(grep -E '^ *succeeded: [0-9]+' "$log" | tail -n 1 | awk '{print $2}'); k=$(grep -E '^ *skipped: [0-9]+' "$log" | tail -n 1 | awk '{print $2}')
  if [ -z "$t" ] || [ -z "$f" ] || [ -z "$s" ] || [ "$t" = 0 ]; then BROKEN+=("$name"); return; fi
  PASSED=$((PASSED + s)); FAILED=$((FAILED + f)); SKIPPED=$((SKIPPED + ${k:-0}))
  echo "$name: $s passed, $f failed, ${k:-0} skipped"
}

count_node() { # node --test: "# pass N", "# fail N", "# skipped N", "# todo N"
  local name=$1 log=$2 p f k t
  p=$(grep -E '^# pass [0-9]+' "$log" | tail -n 1 | awk '{print $3}'); f=$(grep -E '^# fail [0-9]+' "$log" | tail -n 1 | awk '{print $3}')
  k=$(grep -E '^# skipped [0-9]+' "$log" | tail -n 1 | awk '{print $3}'); t=$(grep -E '^# todo [0-9]+' "$log" | tail -n 1 | awk '{print $3}')
  if [ -z "$p" ] || [ -z "$f" ]; then BROKEN+=("$name"); return; fi
  PASSED=$((PASSED + p)); FAILED=$((FAILED + f)); SKIPPED=$((SKIPPED + ${k:-0} + ${t:-0}))
  echo "$name: $p passed, $f failed, ${k:-0} skipped"
}

dotnet_suite() { # name project [env...]
  local name=$1 project=$2; shift 2
  say "$name"
  env "$@" dotnet test --project "$project" -c Release --no-build 2>&1 | tee "$LOGS/$name.log" | grep -E '^(failed |error|Test run summary)|\[FAIL\]|^ *(total|failed|succeeded|skipped): ' || true
  count_dotnet "$name" "$LOGS/$name.log"
  failure_details "$name" "$LOGS/$name.log" '^failed ' 12
}

# CI keeps only this output: show why tests failed (the first lines after each failure), not only their names.
failure_details() { # name log pattern lines
  if grep -qE "$3" "$2"; then
    echo "--- $1: failure details (whole log: $2)"
    grep -E -A "$4" "$3" "$2" | head -n 150
  fi
}

node_suite() { # name [env...]
  local name=$1; shift
  say "$name"
  (cd tests/compat && env "$@" node --test --test-concurrency=1 --test-reporter=tap test/ 2>&1) | tee "$LOGS/$name.log" \
    | grep -E '^not ok|^# (tests|pass|fail|skipped)' || true
  count_node "$name" "$LOGS/$name.log"
  failure_details "$name" "$LOGS/$name.log" '^ *not ok' 20
}

ensure_tools() { # strace: the durability test watches the server's fsyncs; oathtool: TOTP codes are cross-checked with it;
  # tmux: the desktop agent's interactive login is driven in a real terminal (Debian packages)
  command -v strace >/dev/null && command -v oathtool >/dev/null && [ -x /usr/bin/tmux ] && return 0
  if [ "$(id -u)" != 0 ]; then echo "strace, oathtool or tmux is not installed and this is not root: apt-get install strace oathtool tmux" >&2; return 1; fi
  say "Installing strace, oathtool and tmux (Debian packages)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq strace oathtool tmux >/dev/null
}
ensure_tools || BROKEN+=("strace/oathtool/tmux install")

ensure_chromium() { # the browser tests drive Debian's Chromium headless (Playwright downloads no browser of its own)
  [ -x /usr/bin/chromium ] && return 0
  if [ "$(id -u)" != 0 ]; then echo "Chromium is not installed (/usr/bin/chromium) and this is not root: apt-get install chromium" >&2; return 1; fi
  say "Installing Chromium (Debian package)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null && [ -x /usr/bin/chromium ]
}

say "Build (Release)"
if ! dotnet build Latchkey.slnx -c Release -nologo -v quiet 2>&1 | tee "$LOGS/build.log" | grep -E 'error|Error|Warn' ; then :; fi
if ! grep -q 'Build succeeded' "$LOGS/build.log"; then echo "build failed"; echo "0 passed, 1 failed"; exit 1; fi

say "Compatibility suite packages (npm ci)"
(cd tests/compat && npm ci --no-audit --no-fund --loglevel=error) || BROKEN+=("npm ci")
export LATCHKEY_SERVER_DLL="$ROOT/src/Latchkey.Server/bin/Release/net10.0/latchkey.dll"

dotnet_suite core-unit tests/Latchkey.Core.Tests
dotnet_suite verify-unit tests/Latchkey.Verify.Tests
dotnet_suite desktop-unit tests/Latchkey.Desktop.Tests
dotnet_suite architecture tests/Latchkey.ArchitectureTests
dotnet_suite integration-sqlite tests/Latchkey.Server.Tests -u LATCHKEY_TEST_POSTGRES
node_suite compat-sqlite -u LATCHKEY_TEST_POSTGRES
# Without Chromium the browser suite is broken, never skipped: it counts as a failure in the totals.
if ensure_chromium; then
  dotnet_suite browser tests/Latchkey.Browser.Tests -u LATCHKEY_TEST_POSTGRES
else
  BROKEN+=("browser (no chromium)")
fi

say "PostgreSQL for the integration and compatibility suites"
if start_postgres; then
  dotnet_suite integration-postgres tests/Latchkey.Server.Tests LATCHKEY_TEST_POSTGRES="$LATCHKEY_TEST_POSTGRES"
  node_suite compat-postgres LATCHKEY_TEST_POSTGRES="$LATCHKEY_TEST_POSTGRES"
else
  BROKEN+=("postgres start")
fi

say "Summary (logs in $LOGS)"
if [ ${#BROKEN[@]} -gt 0 ]; then
  echo "suites that did not run or printed no totals: ${BROKEN[*]}"
  FAILED=$((FAILED + ${#BROKEN[@]}))
fi
[ "$SKIPPED" -gt 0 ] && echo "skipped tests: $SKIPPED (a skipped test proves nothing)"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
