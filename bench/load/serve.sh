# Sourced by the load scripts (totp.sh, push.sh, desktop-totp.sh): builds the server and the bench tool in Release, starts the server on
# 127.0.0.1:$PORT on the embedded SQLite default in a fresh temporary data dir, with a random bootstrap token and rate
# limits off, waits until it answers, and stops it (and removes the data dir) when the sourcing script exits.
# Sets URL, TOKEN, SERVER (the pid) and DATA. Expects PORT and NAME (used in the data dir's name) to be set.
dotnet build src/Latchkey.Server -c Release -nologo -v quiet >/dev/null
dotnet build bench/Latchkey.Benchmarks -c Release -nologo -v quiet >/dev/null
DATA=$(mktemp -d "/tmp/latchkey-$NAME.XXXXXX")
TOKEN="bench-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
URL="http://127.0.0.1:$PORT"
Latchkey__DataDir="$DATA" Latchkey__BootstrapApiToken="$TOKEN" Latchkey__Demo=false Latchkey__RateLimits__Enabled=false \
  Logging__LogLevel__Default=Warning Urls="$URL" dotnet src/Latchkey.Server/bin/Release/net10.0/latchkey.dll >"$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 1 100); do curl -sf "$URL/healthz" >/dev/null && break; sleep 0.2; done
curl -sf "$URL/healthz" >/dev/null || { echo "the server did not start on $URL:" >&2; cat "$DATA/server.log" >&2; exit 1; }
