#!/usr/bin/env bash
# Push approval to SUCCESS seen by a poller, end to end on the embedded SQLite default (docs/performance.md): starts the
# server, makes LK_USERS users with a password and enrolls an authenticator-app device for each (latchkey-verify's
# library), then every user runs LK_ROUNDS rounds at once: admin push verify (WAITING), the device's long poll receives
# it and approves it (signed), a poller GETs the poll link every LK_POLL_MS until SUCCESS. Prints p50/p90/p99/max of
# approval returned -> first SUCCESS poll and of push sent -> device received, and the server's CPU per round.
# Binds only to 127.0.0.1; stops the server at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${LK_PORT:-18084} NAME=push
source bench/load/serve.sh

dotnet bench/Latchkey.Benchmarks/bin/Release/net10.0/Latchkey.Benchmarks.dll push-load --url "$URL" --token "$TOKEN" \
  --users "${LK_USERS:-16}" --rounds "${LK_ROUNDS:-60}" --poll-ms "${LK_POLL_MS:-15}" \
  --server-stat "/proc/$SERVER/stat" --clk-tck "$(getconf CLK_TCK)"
