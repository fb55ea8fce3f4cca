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
