#!/usr/bin/env bash
# While a web server runs for WEIR_HOME, `weir pipelines` and `weir tasks` go through its API:
# with an auth token configured, they fail without it and work with it; once the server is gone
# (even killed, leaving its record behind), they work on the store directly again.
#   tests/cli/through_web_server.sh WEIR_BINARY
set -euo pipefail
weir="${1:?usage: through_web_server.sh WEIR_BINARY}"
home="$(mktemp -d /tmp/weir-cli-test.XXXXXX)"
server=""
cleanup() {
  [[ -z "$server" ]] || kill -9 "$server" 2>/dev/null || true
  rm -rf "$home"
}
trap cleanup EXIT
export WEIR_HOME="$home"
fail() {
  echo "FAIL: $*" >&2
  cat "$home/webserver.log" >&2 || true
  exit 1
}

"$weir" init --example taxi >/dev/null
sed -i 's/^  # auth_token_env: WEIR_TOKEN$/  auth_token_env: WEIR_TOKEN/' "$home/weir.yaml"
grep -q '^  auth_token_env: WEIR_TOKEN$' "$home/weir.yaml" || fail "weir.yaml has no auth_token_env line"
port="$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
WEIR_TOKEN=s3cret "$weir" webserver --port "$port" >"$home/webserver.log" 2>&1 &
server=$!
for _ in $(seq 100); do [[ -e "$home/webserver.json" ]] && break; sleep 0.05; done
[[ -e "$home/webserver.json" ]] || fail "the web server did not record itself"

if error="$("$weir" pipelines unpause taxi 2>&1)"; then
  fail "unpause without the token worked: it did not go through the web server"
fi
[[ "$error" == *"needs its token"* ]] || fail "unexpected error: $error"
WEIR_TOKEN=s3cret "$weir" pipelines unpause taxi >/dev/null || fail "unpause with the token failed"
paused="$(WEIR_TOKEN=s3cret "$weir" pipelines list --json | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["pipelines"][0]["paused"])')"
[[ "$paused" == False ]] || fail "taxi is still paused"
run="$(WEIR_TOKEN=s3cret "$weir" pipelines trigger taxi --conf '{"why": "test"}')"
[[ "$run" == manual__* ]] || fail "trigger printed '$run'"
echo "ok - through the web server's API, with its token"

kill -9 "$server"
wait "$server" 2>/dev/null || true
server=""
[[ -e "$home/webserver.json" ]] || fail "a killed server's record should still be there"
"$weir" pipelines pause taxi >/dev/null || fail "pause without a server failed"
echo "ok - directly on the store once the server is gone"
