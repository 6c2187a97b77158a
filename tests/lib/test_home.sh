# What the end-to-end test scripts share, sourced by them: a fresh WEIR_HOME that is removed at
# exit together with the processes started in the background in it, and free ports on 127.0.0.1.
#   . "$here/../lib/test_home.sh" NAME   (then: home, pids, free_port, start_background)

home="$(mktemp -d "/tmp/weir-$1-test.XXXXXX")"
export WEIR_HOME="$home"
pids=()
cleanup_test_home() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$home"
}
trap cleanup_test_home EXIT

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Runs "$@" in the background with its output in $home/LOG, until the test ends; waits (up to
# 10 s) until something listens on 127.0.0.1:PORT.
#   start_background LOG PORT command args...
start_background() {
  local log="$1" port="$2"
  shift 2
  "$@" >"$home/$log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    /usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on port $port; $home/$log:" >&2
  cat "$home/$log" >&2
  return 1
}
