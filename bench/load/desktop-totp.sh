#!/usr/bin/env bash
# Desktop MFA online sign-ins with the org account's code (POST /device-access/desktop-mfa/v1/code, as
# `latchkey-desktop login --method code` sends it) at 16 connections on the embedded SQLite default (issue 13,
# docs/performance.md): starts the server, makes a Desktop MFA app, a group assigned to it and LK_USERS people in it each
# with an active TOTP factor, then runs LK_SECONDS of sign-ins in which every request is a success (HTTP Basic as the
# app, each code used once). Prints the rate, p50/p99, the statuses and the server's CPU per sign-in.
# Binds only to 127.0.0.1; stops the server at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${LK_PORT:-18086}
NAME=desktop-totp
USERS=${LK_USERS:-6000}
SECONDS_RUN=${LK_SECONDS:-20}
# The people need a password to be ACTIVE; no sign-in here checks it, so its hashing is made cheap for the setup only.
export Latchkey__Passwords__Pbkdf2Iterations=1000
source bench/load/serve.sh

dotnet bench/Latchkey.Benchmarks/bin/Release/net10.0/Latchkey.Benchmarks.dll desktop-totp-load --url "$URL" --token "$TOKEN" \
  --users "$USERS" --connections 16 --seconds "$SECONDS_RUN" --server-stat "/proc/$SERVER/stat" --clk-tck "$(getconf CLK_TCK)"
