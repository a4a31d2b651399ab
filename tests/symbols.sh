#!/bin/sh
# symbols.sh LIB - every global symbol LIB (libaslrt.a) defines is prefixed
# aslrt_, so an executable that links user handlers cannot clash with it
# (STYLE.md rule 3).  main, the executable's entry point, is the exception.
set -eu
lib=$1
[ -f "$lib" ] || { echo "symbols.sh: no such library: $lib" >&2; exit 2; }
# (AddressSanitizer adds __odr_asan.NAME beside each global NAME it guards.)
bad=$(nm -g --defined-only "$lib" |
	awk 'NF == 3 && $3 !~ /^aslrt_/ && $3 !~ /^__odr_asan\.aslrt_/ && $3 != "main" { print $3 }' |
	sort -u)
if [ -n "$bad" ]; then
	echo "symbols.sh: $lib defines global symbols without the aslrt_ prefix:"
	echo "$bad"
	exit 1
fi
echo "symbols.sh: every global symbol of $lib is aslrt_-prefixed"
