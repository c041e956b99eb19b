#!/usr/bin/env bash
# User creation on SQLite with each durability setting (issue 9): Full (the default: the write-ahead log is
# fsynced before each answer, one fsync per batch of concurrent writes) against Normal (no fsync until a
# checkpoint). Each round starts a fresh server and creates users without a password at 16 connections for
# LK_SECONDS (default 30) after a 5 s warm-up; rounds alternate so drift on a shared machine hits both alike.
# Needs wrk (apt-get install wrk). Binds only to 127.0.0.1; every server it starts is stopped.
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${LK_PORT:-18090}
SECONDS_PER_ROUND=${LK_SECONDS:-30}
ROUNDS=${LK_ROUNDS:-2}
URL="http://127.0.0.1:$PORT"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
dotnet build src/Latchkey.Server -c Release -nologo -v quiet >/dev/null

SERVER=""; DATA=""
stop() { if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true; SERVER=""; fi; [ -n "$DATA" ] && rm -rf "$DATA"; DATA=""; }
trap stop EXIT

round() { # durability
  DATA=$(mktemp -d /tmp/latchkey-durability.XXXXXX)
  local token; token="bench-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  Latchkey__DataDir="$DATA" Latchkey__BootstrapApiToken="$token" Latchkey__Demo=false Latchkey__RateLimits__Enabled=false \
    Latchkey__Database__Durability="$1" Logging__LogLevel__Default=Warning \
    dotnet src/Latchkey.Server/bin/Release/net10.0/latchkey.dll --urls="$URL" >"$DATA/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do curl -sf "$URL/healthz" >/dev/null && break; sleep 0.2; done
  export LK_TOKEN="$token"
  LK_PREFIX=warm wrk -t2 -c16 -d5s -s bench/load/create-user.lua "$URL" >/dev/null
  local rate
  rate=$(LK_PREFIX=m wrk -t2 -c16 -d"${SECONDS_PER_ROUND}s" --latency -s bench/load/create-user.lua "$URL" \
    | awk '/Requests\/sec/ {r=$2} / 99%/ {p=$2} /Non-2xx/ {e=$NF} END {printf "%s users/s, p99 %s%s", r, p, (e ? ", non-2xx " e : "")}')
  echo "$1: $rate"
  stop
}

for i in $(seq 1 "$ROUNDS"); do
  round Full
  round Normal
done
