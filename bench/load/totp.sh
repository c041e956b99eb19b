#!/usr/bin/env bash
# TOTP verifications through the API at 16 connections on the embedded SQLite default (docs/performance.md): starts the
# server, makes LK_FACTORS users each with an active TOTP factor, then runs LK_SECONDS of verifications in which every
# request is a success (its replay record and log event written). Prints the rate, p50/p99 and the server's CPU per
# verification. Binds only to 127.0.0.1; stops the server at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${LK_PORT:-18083}
NAME=totp
FACTORS=${LK_FACTORS:-12000}
SECONDS_RUN=${LK_SECONDS:-20}
source bench/load/serve.sh

dotnet bench/Latchkey.Benchmarks/bin/Release/net10.0/Latchkey.Benchmarks.dll totp-load --url "$URL" --token "$TOKEN" \
  --factors "$FACTORS" --connections 16 --seconds "$SECONDS_RUN" --server-stat "/proc/$SERVER/stat" --clk-tck "$(getconf CLK_TCK)"
