#!/usr/bin/env bash
# Password sign-in through the IDX endpoints against the password hash alone, in one run (docs/performance.md):
#   1. the hash alone: PBKDF2 verifications a second at the server's cost with 16 threads (bench hash-rate),
#   2. IDX sign-ins (introspect -> identify -> challenge/answer -> session) at 16 connections for LK_SECONDS (default 10),
#   1 and 2 alternate LK_ROUNDS times (default 6), each round printing the ratio and the server's CPU per sign-in, then the overall ratio,
#   3. a signed-in dashboard page (/app/UserHome with one app tile): latency of 200 sequential requests.
# Embedded SQLite with the durable default. Needs wrk (apt-get install wrk). Binds only to 127.0.0.1; stops the server at the end.
set -euo pipefail
[ -n "${LK_TRACE:-}" ] && set -x
cd "$(dirname "$0")/../.."
PORT=${LK_PORT:-18081}
SECONDS_RUN=${LK_SECONDS:-10}
ITERATIONS=${LK_ITERATIONS:-100000}
CONNECTIONS=16
DATA=$(mktemp -d /tmp/latchkey-signin.XXXXXX)
TOKEN="bench-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
PASSWORD="Correct-Horse-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')!"
URL="http://127.0.0.1:$PORT"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

dotnet build src/Latchkey.Server -c Release -nologo -v quiet >/dev/null
dotnet build bench/Latchkey.Benchmarks -c Release -nologo -v quiet >/dev/null
export Latchkey__DataDir="$DATA" Latchkey__BootstrapApiToken="$TOKEN" Latchkey__Demo=false Latchkey__RateLimits__Enabled=false \
  Latchkey__Passwords__Pbkdf2Iterations="$ITERATIONS" Logging__LogLevel__Default=Warning Urls="$URL"
dotnet src/Latchkey.Server/bin/Release/net10.0/latchkey.dll >"$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 1 100); do curl -sf "$URL/healthz" >/dev/null && break; sleep 0.2; done

api() { curl -sf -H "Authorization: SSWS $TOKEN" -H 'Content-Type: application/json' "$@"; }
echo "== setup: $CONNECTIONS users with a password, one Bookmark app assigned to the first"
for n in $(seq 1 $CONNECTIONS); do
  id=$(api -X POST "$URL/api/v1/users?activate=true" -d "{\"profile\":{\"firstName\":\"Signin\",\"lastName\":\"Tester $n\",\"email\":\"signin-$n@example.com\",\"login\":\"signin-$n@example.com\"},\"credentials\":{\"password\":{\"value\":\"$PASSWORD\"}}}" \
    | sed -E 's/^\{"id":"([^"]+)".*/\1/')
  [ "$n" = 1 ] && FIRST=$id
done
app=$(api -X POST "$URL/api/v1/apps" -d '{"name":"bookmark","label":"Bench Bookmark","signOnMode":"BOOKMARK","settings":{"app":{"url":"https://example.com/"}}}' \
  | sed -E 's/^\{"id":"([^"]+)".*/\1/')
api -X POST "$URL/api/v1/apps/$app/users" -d "{\"id\":\"$FIRST\"}" >/dev/null

cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }
WARMUP=${LK_WARMUP:-40}
echo "== warm-up: $WARMUP s of sign-ins (until the JIT has finished tiering up the hot paths)"
LK_SIGNIN_PASSWORD="$PASSWORD" wrk -t$CONNECTIONS -c$CONNECTIONS -d"${WARMUP}s" -s bench/load/signin.lua "$URL" >/dev/null
# The hash alone and the sign-ins alternate, LK_ROUNDS times: the machine's speed drifts by 10-30 % within minutes, so each
# ratio compares neighbours, and the overall ratio (printed last) sums many short alternating windows.
: >"$DATA/rounds.txt"
for round in $(seq 1 "${LK_ROUNDS:-6}"); do
  echo "== round $round: 1. the password hash alone ($ITERATIONS PBKDF2-SHA256 iterations, $CONNECTIONS threads, $SECONDS_RUN s)"
  hash=$(dotnet bench/Latchkey.Benchmarks/bin/Release/net10.0/Latchkey.Benchmarks.dll hash-rate --threads $CONNECTIONS --seconds "$SECONDS_RUN" --iterations "$ITERATIONS")
  echo "$hash"
  echo "== round $round: 2. IDX password sign-ins ($CONNECTIONS connections, $SECONDS_RUN s)"
  before=$(cpu_ticks)
  # wrk shares the two cores with the server: its own CPU time is printed too (bash's time, user + system).
  { TIMEFORMAT='%U %S'; time LK_SIGNIN_PASSWORD="$PASSWORD" wrk -t$CONNECTIONS -c$CONNECTIONS -d"${SECONDS_RUN}s" -s bench/load/signin.lua "$URL" >"$DATA/wrk.txt"; } 2>"$DATA/wrk-cpu.txt"
  grep -E 'sign-ins|Non-2xx|Socket errors' "$DATA/wrk.txt" || true
  signins=$(sed -nE 's/^sign-ins: ([0-9]+) .*/\1/p' "$DATA/wrk.txt")
  rate=$(sed -nE 's/^sign-ins: .* = ([0-9.]+)\/s.*/\1/p' "$DATA/wrk.txt")
  awk -v t=$(( $(cpu_ticks) - before )) -v hz="$(getconf CLK_TCK)" -v n="${signins:-0}" -v r="${rate:-0}" \
    -v h="$(sed -nE 's/.* = ([0-9.]+)\/s$/\1/p' <<<"$hash")" \
    -v w="$(awk '{print $1 + $2}' "$DATA/wrk-cpu.txt")" \
    'BEGIN { if (n > 0) printf "server CPU: %.1f ms per sign-in (user + system, all threads); wrk CPU: %.1f ms per sign-in; sign-ins / hash alone = %.0f %%\n", t * 1000 / hz / n, w * 1000 / n, 100 * r / h }'
  echo "${rate:-0} $(sed -nE 's/.* = ([0-9.]+)\/s$/\1/p' <<<"$hash")" >>"$DATA/rounds.txt"
done
awk '{ s += $1; h += $2 } END { if (h > 0) printf "== all %d rounds: sign-ins %.1f/s, hash alone %.1f/s (means): sign-ins / hash alone = %.0f %%\n", NR, s / NR, h / NR, 100 * s / h }' "$DATA/rounds.txt"

echo "== 3. the dashboard of a signed-in user (200 sequential requests after 20 to warm up)"
JAR="$DATA/jar"
handle=$(curl -s -c "$JAR" -H 'Content-Type: application/json' -X POST "$URL/idp/idx/introspect" -d '{}' | sed -E 's/.*"stateHandle":"([^"]+)".*/\1/')
handle=$(curl -s -c "$JAR" -b "$JAR" -H 'Content-Type: application/json' -X POST "$URL/idp/idx/identify" -d "{\"identifier\":\"signin-1@example.com\",\"stateHandle\":\"$handle\"}" | sed -E 's/.*"stateHandle":"([^"]+)".*/\1/')
curl -s -c "$JAR" -b "$JAR" -o /dev/null -H 'Content-Type: application/json' -X POST "$URL/idp/idx/challenge/answer" -d "{\"credentials\":{\"passcode\":\"$PASSWORD\"},\"stateHandle\":\"$handle\"}"
curl -s -b "$JAR" "$URL/app/UserHome" | grep -q 'Bench Bookmark' || { echo "the dashboard did not show the app tile" >&2; exit 1; }
for _ in $(seq 1 20); do curl -s -o /dev/null -b "$JAR" "$URL/app/UserHome"; done
for _ in $(seq 1 200); do curl -s -o /dev/null -w '%{time_total}\n' -b "$JAR" "$URL/app/UserHome"; done \
  | sort -n | awk '{a[NR]=$1} END {printf "dashboard: p50 %.1f ms, p95 %.1f ms, max %.1f ms\n", a[int(NR*0.5)]*1000, a[int(NR*0.95)]*1000, a[NR]*1000}'
