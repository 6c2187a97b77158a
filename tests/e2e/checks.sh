# What the end-to-end scripts share, sourced by them: a scratch folder ($work, removed on exit
# with any background process listed in $pids), counters and the checks that update them.
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
passed=0
failed=0

check() {  # check NAME COMMAND...: the command must succeed.
  local name="$1"
  shift
  if "$@" >"$work/out" 2>&1; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $name"
    sed 's/^/  | /' "$work/out"
  fi
}

fails_with() {  # fails_with NAME EXPECTED_TEXT COMMAND...: non-zero exit, message on stderr.
  local name="$1" expected="$2"
  shift 2
  if "$@" >"$work/out" 2>"$work/err"; then
    failed=$((failed + 1))
    echo "FAIL: $name: exited 0"
  elif ! grep -qF -- "$expected" "$work/err"; then
    failed=$((failed + 1))
    echo "FAIL: $name: stderr lacks '$expected':"
    sed 's/^/  | /' "$work/err"
  else
    passed=$((passed + 1))
  fi
}

expect_json() {  # expect_json NAME PYTHON_EXPRESSION < JSON: the expression over j must hold.
  local name="$1" expression="$2"
  if /usr/bin/python3 -c "import json, sys; j = json.load(sys.stdin); sys.exit(0 if ($expression) else 1)"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $name: not $expression"
  fi
}

finish() {  # The summary line; the exit status says whether every check passed.
  echo "$passed passed, $failed failed"
  [[ $failed -eq 0 ]]
}
