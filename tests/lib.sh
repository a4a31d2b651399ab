# shellcheck shell=sh disable=SC2034
# lib.sh - sourced by the shell tests: a temporary folder $tmp removed on exit
# (a test that needs more on exit sets its own trap, removing $tmp too), the
# pass/fail counters, and the helpers below.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

# check NAME STATUS: one line per check; a failure shows the last lines of
# each non-empty file named in $check_logs (default: $tmp/err).
check() {
	if [ "$2" = 0 ]; then
		echo "testing $1 ... passed"
		pass=$((pass + 1))
	else
		echo "testing $1 ... FAILED"
		for f in ${check_logs-"$tmp/err"}; do
			[ -s "$f" ] && tail -20 "$f" | sed 's/^/  | /'
		done
		fail=$((fail + 1))
	fi
}

# eq NAME WANT GOT: check that GOT is WANT, showing both when not.
eq() {
	if [ "$2" = "$3" ]; then
		check "$1" 0
	else
		echo "testing $1 ... FAILED"
		echo "  | want: $2"
		echo "  | got:  $3"
		fail=$((fail + 1))
	fi
}

# ok CMD...: 0 when CMD succeeds, else 1, printed (for check's STATUS).
ok() { if "$@"; then echo 0; else echo 1; fi; }

# finish [LABEL]: the closing "N passed, N failed" line, and the exit status.
finish() {
	echo "${1:+$1: }$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}
