#!/usr/bin/env bash
# TOTP verifications through the API at 16 connections on the embedded SQLite default (docs/performance.md): starts the
# server, makes LK_FACTORS users each with an active TOTP factor, then runs LK_SECONDS of verifications in which every
# request is a success (its replay record and log event written). Prints the rate, p50/p99 and the server's CPU per
# verification. Binds only to 127.0.0.1; stops the server at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${LK_PORT:-18083}
FACTORS=${LK_FACTORS:-12000}
SECONDS_RUN=${LK_SECONDS:-20}
DATA=$(mktemp -d /tmp/latchkey-totp.XXXXXX)
TOKEN="bench-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
URL="http://127.0.0.1:$PORT"

dotnet build src/Latchkey.Server -c Release -nologo -v quiet >/dev/null
dotnet build bench/Latchkey.Benchmarks -c Release -nologo -v quiet >/dev/null
Latchkey__DataDir="$DATA" Latchkey__BootstrapApiToken="$TOKEN" Latchkey__Demo=false Latchkey__RateLimits__Enabled=false \
  Logging__LogLevel__Default=Warning Urls="$URL" dotnet src/Latchkey.Server/bin/Release/net10.0/latchkey.dll >"$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 1 100); do curl -sf "$URL/healthz" >/dev/null && break; sleep 0.2; done

dotnet bench/Latchkey.Benchmarks/bin/Release/net10.0/Latchkey.Benchmarks.dll totp-load --url "$URL" --token "$TOKEN" \
  --factors "$FACTORS" --connections 16 --seconds "$SECONDS_RUN" --server-stat "/proc/$SERVER/stat" --clk-tck "$(getconf CLK_TCK)"
