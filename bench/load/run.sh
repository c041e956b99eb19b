#!/usr/bin/env bash
# End-to-end load run of the issue's targets on the embedded SQLite default (see docs/performance.md):
#   1. create users without a password at 16 connections until the org has 100,000 users (users/s),
#   2. first page of 200 users out of 100,000 (latency of 50 sequential requests),
#   3. GET /api/v1/users/{id} at 16 connections for 20 s (requests/s, p99).
# Needs wrk and sqlite3 (apt-get install wrk sqlite3). Binds only to 127.0.0.1 and stops the server at the end.
# LK_POSTGRES="Host=127.0.0.1;Port=5432;Username=postgres" runs the same on PostgreSQL (a new database; needs psql).
set -euo pipefail
cd "$(dirname "$0")/../.."
USERS=${LK_USERS:-100000}
PORT=${LK_PORT:-18080}
DATA=$(mktemp -d /tmp/latchkey-bench.XXXXXX)
TOKEN="bench-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
URL="http://127.0.0.1:$PORT"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

dotnet build src/Latchkey.Server -c Release -nologo -v quiet >/dev/null
export Latchkey__DataDir="$DATA" Latchkey__BootstrapApiToken="$TOKEN" Latchkey__Demo=false \
  Latchkey__RateLimits__Enabled=false Logging__LogLevel__Default=Warning Urls="$URL"
if [ -n "${LK_POSTGRES:-}" ]; then
  PG_DB="latchkey_bench_$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  export Latchkey__Database__Provider=Postgres Latchkey__Database__ConnectionString="$LK_POSTGRES;Database=$PG_DB"
  PG_HOST=$(sed -E 's/.*Host=([^;]*).*/\1/' <<<"$LK_POSTGRES"); PG_PORT=$(sed -E 's/.*Port=([^;]*).*/\1/' <<<"$LK_POSTGRES")
  PG_USER=$(sed -E 's/.*Username=([^;]*).*/\1/' <<<"$LK_POSTGRES")
fi
dotnet src/Latchkey.Server/bin/Release/net10.0/latchkey.dll >"$DATA/server.log" 2>&1 &
SERVER=$!
cleanup() {
  kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DATA"
  if [ -n "${LK_POSTGRES:-}" ]; then
    psql -h "$PG_HOST" -p "${PG_PORT:-5432}" -U "$PG_USER" -d postgres -qc "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >/dev/null 2>&1
  fi
}
trap cleanup EXIT
for _ in $(seq 1 100); do curl -sf "$URL/healthz" >/dev/null && break; sleep 0.2; done
export LK_TOKEN="$TOKEN"

count_users() {
  if [ -n "${LK_POSTGRES:-}" ]; then
    psql -h "$PG_HOST" -p "${PG_PORT:-5432}" -U "$PG_USER" -d "$PG_DB" -tAc 'select count(*) from "Users"'
  else
    sqlite3 "$DATA/latchkey.db" 'select count(*) from Users'
  fi
}

echo "== 1. create users without a password (16 connections, 2 threads)"
LK_PREFIX=warm wrk -t2 -c16 -d5s -s bench/load/create-user.lua "$URL" >/dev/null
round=0
while :; do
  have=$(count_users)
  [ "$have" -ge "$USERS" ] && break
  round=$((round + 1))
  LK_PREFIX="r$round" wrk -t2 -c16 -d${LK_CREATE_SECONDS:-30}s --latency -s bench/load/create-user.lua "$URL" | tee "$DATA/create-$round.txt" \
    | grep -E 'Requests/sec|99%|Non-2xx|Socket errors' || true
done
echo "users in the org: $(count_users)"

echo "== 2. first page of 200 users (50 sequential requests)"
for _ in $(seq 1 50); do curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: SSWS $TOKEN" "$URL/api/v1/users?limit=200"; done \
  | sort -n | awk '{a[NR]=$1} END {printf "p50 %.1f ms, p95 %.1f ms, max %.1f ms\n", a[int(NR*0.5)]*1000, a[int(NR*0.95)]*1000, a[NR]*1000}'

echo "== 3. GET /api/v1/users/{id} (16 connections, 2 threads, 20 s)"
ID=$(curl -s -H "Authorization: SSWS $TOKEN" "$URL/api/v1/users?limit=1" | grep -oE '"id":"00u[A-Za-z0-9]{17}"' | head -1 | cut -d'"' -f4)
wrk -t2 -c16 -d5s -s bench/load/get.lua "$URL/api/v1/users/$ID" >/dev/null
wrk -t2 -c16 -d20s --latency -s bench/load/get.lua "$URL/api/v1/users/$ID"
