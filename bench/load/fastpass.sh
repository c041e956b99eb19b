#!/usr/bin/env bash
# Passwordless FastPass sign-ins end to end on the embedded SQLite default (docs/performance.md, docs/fastpass.md):
# starts the server, makes LK_USERS users with a password and enrolls the authenticator app for each (latchkey-verify's
# library), then LK_USERS workers (one connection each) sign in with FastPass over and over for LK_SECONDS after
# LK_WARMUP seconds: introspect, launch-authenticator (challenge signed by the org key), the app checks it against the
# JWKS and answers with its device key (verified, nonce spent, logged), the poll finishes the sign-in (session, log).
# LK_KEEP_SESSIONS=1: the app also saves each session in its state file (an fsync on the client per sign-in). Prints sign-ins per second, their latency and the server's CPU per sign-in.
# LK_PHASES=1: one sign-in at a time instead, with the server's CPU and the wall time of each of its requests.
# Binds only to 127.0.0.1; stops the server at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${LK_PORT:-18085} NAME=fastpass
source bench/load/serve.sh

dotnet bench/Latchkey.Benchmarks/bin/Release/net10.0/Latchkey.Benchmarks.dll fastpass-load --url "$URL" --token "$TOKEN" \
  --users "${LK_USERS:-16}" --seconds "${LK_SECONDS:-20}" --warmup "${LK_WARMUP:-10}" \
  --server-stat "/proc/$SERVER/stat" --clk-tck "$(getconf CLK_TCK)" ${LK_PHASES:+--phases} ${LK_KEEP_SESSIONS:+--keep-sessions}
