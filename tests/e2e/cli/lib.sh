# Shared by the command's end-to-end scripts (sourced, POSIX sh): the pass/fail count, a server
# killed on exit, and the checks every script uses.
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

# A script that starts `plexus serve` keeps its pid here; it is killed however the script ends.
server=""
cleanup() { [ -n "$server" ] && kill -KILL "$server" 2> /dev/null; }
trap cleanup EXIT
trap 'cleanup; exit 1' INT TERM

# start_serve PORT MODEL: `plexus serve` of MODEL on PORT in the background (stderr in serve.log),
# waiting up to 10 s for /health or for the server to exit; sets $server.
start_serve() {
  "$PLEXUS" serve --model "$2" --port "$1" 2> serve.log &
  server=$!
  for i in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$1/health" && break
    kill -0 "$server" 2> /dev/null || break
    sleep 0.1
  done
}

# expect CODE PATTERN -- command...: the exit code, and PATTERN in stderr (when not empty).
expect() {
  code=$1 pattern=$2
  shift 3
  "$@" > out.txt 2> err.txt
  rc=$?
  if [ "$rc" -ne "$code" ]; then
    fail "$* exited $rc, expected $code; stderr: $(head -c 400 err.txt)"
  elif [ -n "$pattern" ] && ! grep -q -- "$pattern" err.txt; then
    fail "$* did not say '$pattern'; stderr: $(head -c 400 err.txt)"
  else
    ok "$* -> $rc"
  fi
}
# above VALUE LIMIT: whether VALUE > LIMIT.
above() { awk -v v="$1" -v l="$2" 'BEGIN { exit !(v != "" && v + 0 > l + 0) }'; }
