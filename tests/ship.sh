#!/bin/sh
# Shipping what aslc builds: reproducible executables, the runtime found
# relative to aslc, $CC/$CFLAGS split as make does, fully static executables
# that run in an empty root.
# usage: ship.sh ASLC SOURCE_DIR
set -u
aslc=$(realpath "$1")
src=$(realpath "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
check() {
	if [ "$2" = 0 ]; then
		echo "testing $1 ... passed"
		pass=$((pass + 1))
	else
		echo "testing $1 ... FAILED"
		[ -s "$tmp/err" ] && sed 's/^/  | /' "$tmp/err" | head -20
		fail=$((fail + 1))
	fi
}
ok() { if "$@"; then echo 0; else echo 1; fi; }
sample=$src/samples/loan-approval
expected=$(cat "$sample/expected.json")

# Reproducible: the same definition and flags, built from two different
# folders (different temporary directories too), give the same bytes.
for b in c llvm; do
	for d in one two; do
		mkdir -p "$tmp/$d-$b"
		cp "$sample/loan.asl.json" "$tmp/$d-$b/"
		(cd "$tmp/$d-$b" && TMPDIR="$tmp/$d-$b" "$aslc" build loan.asl.json -o loan --backend $b) 2>"$tmp/err"
	done
	check "two $b builds are byte-identical" $(ok cmp -s "$tmp/one-$b/loan" "$tmp/two-$b/loan")
	if [ "${ASLC_SANITIZED:-0}" = 1 ]; then
		# ASan's metadata names the runtime's sources, whatever -ffile-prefix-map says.
		check "no temporary path inside the $b executable" \
			$(ok sh -c "test -s '$tmp/one-$b/loan' && ! grep -q -F -e '$tmp' '$tmp/one-$b/loan'")
	else
		check "no build path inside the $b executable" \
			$(ok sh -c "test -s '$tmp/one-$b/loan' && ! grep -q -F -e '$src' -e '$tmp' '$tmp/one-$b/loan'")
	fi
done

# The runtime: found next to aslc, or where ASLC_RUNTIME_DIR says.
ASLC_RUNTIME_DIR=$tmp/nowhere "$aslc" build "$sample/loan.asl.json" -o "$tmp/x" 2>"$tmp/err"
check "a wrong ASLC_RUNTIME_DIR is an error naming it" \
	$(ok grep -q "ASLC_RUNTIME_DIR=$tmp/nowhere holds no aslrt.h and libaslrt.a" "$tmp/err")
mkdir -p "$tmp/lone/bin"
cp "$aslc" "$tmp/lone/bin/aslc"
"$tmp/lone/bin/aslc" build "$sample/loan.asl.json" -o "$tmp/x" 2>"$tmp/err"
check "aslc with no runtime near it says where it looked" \
	$(ok grep -q "cannot find the runtime (aslrt.h, libaslrt.a) in $tmp/lone/bin/../lib/aslc" "$tmp/err")
rtdir=$(dirname "$aslc")/../runtime
ASLC_RUNTIME_DIR=$rtdir "$tmp/lone/bin/aslc" build "$sample/loan.asl.json" -o "$tmp/x" 2>"$tmp/err"
check "ASLC_RUNTIME_DIR points a lone aslc at a runtime" \
	$(ok test "$("$tmp/x" --clock virtual <"$sample/input.json")" = "$expected")

# $CC and $CFLAGS are split into words as make does.
CC="cc -DASLC_T='two words'" CFLAGS="-DX=\"1\" -O1" "$aslc" build "$sample/loan.asl.json" -o "$tmp/w" -v 2>"$tmp/err"
check "CC and CFLAGS split into words with quotes" \
	$(ok grep -q "^cc -DASLC_T=two words -O0 -std=c11 -w .*-DX=1 -O1 " "$tmp/err")
CC="cc 'oops" "$aslc" build "$sample/loan.asl.json" -o "$tmp/w" 2>"$tmp/err"
check "an unclosed quote in CC is an error" $(ok grep -q "CC has an unclosed quote" "$tmp/err")

# Definitions as projects write them: DefinitionSubstitutions and YAML.
t=$src/tests/ship
"$aslc" build "$t/sam.asl.json" -o "$tmp/sam" --handlers "$t/handlers.c" \
	--definitions-file "$t/sam-defs.json" --define TableName=orders >"$tmp/err" 2>&1
out=$(echo '{}' | "$tmp/sam" 2>>"$tmp/err")
check "a SAM-style definition with \${...} builds and runs" \
	$(ok test "$out" = '{"table":"orders","region":"eu-west-1","kept":"${NotAKey}"}')
"$aslc" check "$t/sam.asl.json" --define TableName=x >"$tmp/out" 2>"$tmp/err"
check "an unknown \${...} in a Resource is an error naming the key" \
	$(ok grep -q "sam.asl.json:7:19: error: '\${ChargeFunctionArn}' in Resource has no value: substitute it with --define ChargeFunctionArn=VALUE" "$tmp/err")
"$aslc" check "$t/sam.asl.json" --define NoEquals >"$tmp/out" 2>"$tmp/err"
check "--define without = is a usage error" $(ok test $? = 2)
echo '{"Region": ["eu"]}' >"$tmp/defs.json"
"$aslc" check "$t/sam.asl.json" --definitions-file "$tmp/defs.json" >"$tmp/out" 2>"$tmp/err"
check "a definitions file value that is not a string is an error naming the key" \
	$(ok grep -q "defs.json: the value of 'Region' must be a string, number or boolean" "$tmp/err")
"$aslc" build "$t/loan.asl.yaml" -o "$tmp/yaml" >"$tmp/err" 2>&1
out=$("$tmp/yaml" <"$sample/input.json" 2>>"$tmp/err")
check "a YAML definition builds and runs" \
	$(ok test "$out" = '{"decision":"APPROVED","applicant":"Grace Hopper","note":"approved\nautomatically\n","rate":0.035,"cosigner":null}')
sed 's/Default: Decline/Default: Nowhere/' "$t/loan.asl.yaml" >"$tmp/bad.yaml"
"$aslc" check "$tmp/bad.yaml" >"$tmp/out" 2>"$tmp/err"
check "a YAML definition's errors are at the YAML's line:col" \
	$(ok grep -q "bad.yaml:21:14: error: missing transition target: 'Nowhere'" "$tmp/err")
check "the YAML line is quoted" $(ok grep -q "^    Default: Nowhere$" "$tmp/err")
printf 'StartAt: A\nStates:\n  A:\n    Type: Pass\n   End: true\n' >"$tmp/syntax.yml"
"$aslc" check "$tmp/syntax.yml" >"$tmp/out" 2>"$tmp/err"
check "a YAML syntax error is at its line:col" \
	$(ok grep -q "syntax.yml:5:4: error: invalid YAML: did not find expected key" "$tmp/err")
printf 'StartAt: A\nStates:\n  A: {Type: Pass, End: true, Result: [&a 1, *a]}\n' >"$tmp/alias.yml"
"$aslc" check "$tmp/alias.yml" >"$tmp/out" 2>"$tmp/err"
check "a YAML alias is refused at its line:col" \
	$(ok grep -q "alias.yml:3:45: error: YAML alias '\*a' is not supported" "$tmp/err")
"$aslc" check "$t/loan.asl.yaml" "$tmp/bad.yaml" "$sample/loan.asl.json" "$tmp/missing.json" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "check takes many files, reports each, exits with the worst status" \
	$(ok sh -c "[ $rc = 2 ] && grep -q 'bad.yaml:21:14: error' '$tmp/err' && grep -q 'cannot read $tmp/missing.json' '$tmp/err' && [ \$(grep -c 'generated' '$tmp/err') = 1 ]")
"$aslc" check "$tmp/bad.yaml" "$tmp/alias.yml" --diagnostics-format=json >"$tmp/out" 2>"$tmp/err"
check "check of many files prints one JSON array" \
	$(ok python3 -c 'import json,sys; l=json.load(open(sys.argv[1])); assert [d["file"][-8:] for d in l] == ["bad.yaml", "lias.yml"], l' "$tmp/out")

if [ "${ASLC_SANITIZED:-0}" = 1 ]; then
	echo "skipping static executables: sanitized builds link the sanitizer runtimes"
else
	# Fully static: CC="cc -static" and --static.
	CC="cc -static" "$aslc" build "$sample/loan.asl.json" -o "$tmp/s1" 2>"$tmp/err"
	check "CC=\"cc -static\" links a static executable" \
		$(ok sh -c "! readelf -l '$tmp/s1' | grep -q INTERP")
	for b in c llvm; do
		"$aslc" build "$sample/loan.asl.json" -o "$tmp/s-$b" --static --backend $b 2>"$tmp/err"
		check "--static ($b) has no interpreter and no dynamic section" \
			$(ok sh -c "! readelf -l '$tmp/s-$b' | grep -q -e INTERP -e DYNAMIC")
		check "--static ($b) prints no linker warnings" $(ok test ! -s "$tmp/err")
	done
	# An empty root: only the executable.  chroot as root, else in a user
	# namespace; skipped where neither is allowed.
	mkdir -p "$tmp/root"
	cp "$tmp/s-c" "$tmp/root/machine"
	if [ "$(id -u)" = 0 ] && chroot "$tmp/root" /machine --help >/dev/null 2>&1; then
		jail="chroot $tmp/root"
	elif unshare -r chroot "$tmp/root" /machine --help >/dev/null 2>&1; then
		jail="unshare -r chroot $tmp/root"
	else
		jail=""
		echo "skipping the empty-root run: neither chroot nor unshare -r works here"
	fi
	if [ -n "$jail" ]; then
		out=$($jail /machine --clock virtual <"$sample/input.json" 2>"$tmp/err")
		check "the static executable runs in an empty root" $(ok test "$out" = "$expected")
		echo "static executable: $(wc -c <"$tmp/s-c") bytes"
	fi
fi

echo "ship: $pass passed, $fail failed"
[ "$fail" = 0 ]
