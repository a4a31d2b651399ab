#!/bin/sh
# Installing aslc: cmake --install into a prefix that is then moved, a project
# outside the tree using find_package(aslc) and aslc_add_state_machine,
# a handler program linked by hand with pkg-config, and the Debian package.
# usage: install.sh BUILD_DIR SOURCE_DIR
set -u
build=$(realpath "$1")
src=$(realpath "$2")
. "$(dirname "$0")/lib.sh"
check_logs="$tmp/log"
loan=$src/samples/loan-approval
fraud=$src/samples/fraud-score

cmake --install "$build" --prefix "$tmp/stage" >"$tmp/log" 2>&1
check "cmake --install" $?
mkdir -p "$tmp/moved"
mv "$tmp/stage" "$tmp/moved/prefix"
p=$tmp/moved/prefix
for f in bin/aslc lib/aslc/libaslrt.a lib/aslc/libaslrt_express.a lib/aslc/startup.order lib/aslc/startup.ld include/aslc/aslrt.h lib/pkgconfig/aslrt.pc \
	lib/cmake/aslc/aslcConfig.cmake lib/cmake/aslc/aslcConfigVersion.cmake; do
	check "installed $f" $(ok test -f "$p/$f")
done

"$p/bin/aslc" build "$loan/loan.asl.json" -o "$tmp/l" >"$tmp/log" 2>&1
check "the moved aslc builds a workflow" \
	$(ok test "$("$tmp/l" --clock virtual <"$loan/input.json")" = "$(cat "$loan/expected.json")")

# A project outside the tree.
cp "$loan/loan.asl.json" "$tmp/loan.asl.json"
cmake -S "$src/tests/install" -B "$tmp/proj" -G Ninja -DCMAKE_PREFIX_PATH="$p" \
	-DLOAN="$tmp/loan.asl.json" -DFRAUD="$fraud" -DSHIP="$src/tests/ship" -DSAMPLES="$src/samples" \
	-DSTATIC="$([ -n "${ASLC_SAN_FLAGS:-}" ] || echo STATIC)" >"$tmp/log" 2>&1
check "find_package(aslc) from the moved prefix" $?
ninja -C "$tmp/proj" >"$tmp/log" 2>&1
check "aslc_add_state_machine builds" $?
check "the project's workflow runs" \
	$(ok test "$("$tmp/proj/bin/loan" --clock virtual <"$loan/input.json")" = "$(cat "$loan/expected.json")")
check "the project's workflow with handlers runs" \
	$(ok test "$("$tmp/proj/bin/fraud" <"$fraud/input.json")" = "$(cat "$fraud/expected.json")")
check "DEFINE and DEFINITIONS_FILE reach aslc" \
	$(ok test "$(echo '{}' | "$tmp/proj/bin/sam")" = '{"table":"orders","region":"here","kept":"${NotAKey}"}')
check "OUTPUT names the executable; a YAML definition" \
	$(ok test "$("$tmp/proj/out/loan-yaml" <"$loan/input.json" | head -c 24)" = '{"decision":"APPROVED","')
charge=$src/samples/charge-retry
check "BINDINGS reaches aslc build --bindings" \
	$(ok test "$(cd "$charge" && "$tmp/proj/bin/charge" --clock virtual <input.json)" = "$(cat "$charge/expected.json")")
# An error in the definition: the build fails and shows aslc's diagnostic.
sed 's/"Next": "Route"/"Next": "Nowhere"/' "$loan/loan.asl.json" >"$tmp/loan.asl.json"
ninja -C "$tmp/proj" >"$tmp/log" 2>&1
rc=$?
check "an edited definition re-runs aslc; its error fails the build" $(ok test $rc != 0)
check "the build output shows aslc's diagnostic" \
	$(ok grep -q "loan.asl.json:[0-9]*:[0-9]*: error: .*Nowhere" "$tmp/log")
sed 's/"DECLINED"/"REFUSED"/' "$loan/loan.asl.json" >"$tmp/loan.asl.json"
ninja -C "$tmp/proj" >"$tmp/log" 2>&1
echo '{"applicant":{"name":"Bo"},"amount":5,"credit":{"score":100},"submitted":"2026-03-01T00:00:00Z"}' >"$tmp/in.json"
check "the fixed definition is rebuilt" \
	$(ok test "$("$tmp/proj/bin/loan" <"$tmp/in.json")" = '{"decision":"REFUSED","applicant":"Bo"}')

# pkg-config: a handler program linked by hand from the generated C.
"$p/bin/aslc" emit "$fraud/score.asl.json" --emit=c --name fraud-score -o "$tmp/machine.c" 2>"$tmp/log"
# shellcheck disable=SC2046
cc -o "$tmp/byhand" "$tmp/machine.c" "$fraud/handlers.c" $(PKG_CONFIG_PATH=$p/lib/pkgconfig pkg-config --cflags --libs aslrt) \
	${ASLC_SAN_FLAGS:-} >"$tmp/log" 2>&1
check "pkg-config --cflags --libs aslrt links a handler program" $?
check "the handler program runs" \
	$(ok test "$("$tmp/byhand" <"$fraud/input.json")" = "$(cat "$fraud/expected.json")")
if [ -z "${ASLC_SAN_FLAGS:-}" ]; then
	# shellcheck disable=SC2046
	cc -static -o "$tmp/byhand-s" "$tmp/machine.c" "$fraud/handlers.c" \
		$(PKG_CONFIG_PATH=$p/lib/pkgconfig pkg-config --cflags --static --libs aslrt) >"$tmp/log" 2>&1
	check "pkg-config --static links a static one with the built-in HTTP client and server" \
		$(ok sh -c "nm '$tmp/byhand-s' | grep -q aslrt_bcurl_easy_perform && nm '$tmp/byhand-s' | grep -q aslrt_bmhd_start_daemon")
	check "the static handler program runs" \
		$(ok test "$("$tmp/byhand-s" <"$fraud/input.json")" = "$(cat "$fraud/expected.json")")
fi

# The Debian package: its files, and aslc build from the unpacked tree.
if ! command -v cpack >/dev/null || ! command -v dpkg-deb >/dev/null; then
	echo "skipping the Debian package: cpack or dpkg-deb is missing"
else
	(cd "$build" && cpack -G DEB -B "$tmp/pkg") >"$tmp/log" 2>&1
	deb=$(ls "$tmp"/pkg/aslc_*.deb 2>/dev/null | head -1)
	check "cpack -G DEB makes aslc_*.deb" $(ok test -n "$deb")
	if [ -n "$deb" ]; then
		dpkg-deb -c "$deb" | awk '{print $6}' | grep -v '/$' | sort >"$tmp/files"
		printf '%s\n' ./usr/bin/aslc ./usr/include/aslc/aslrt.h ./usr/lib/aslc/libaslrt.a ./usr/lib/aslc/libaslrt_express.a ./usr/lib/aslc/startup.ld ./usr/lib/aslc/startup.order \
			./usr/lib/cmake/aslc/aslcConfig.cmake ./usr/lib/cmake/aslc/aslcConfigVersion.cmake \
			./usr/lib/pkgconfig/aslrt.pc >"$tmp/want"
		cp "$tmp/files" "$tmp/log"
		check "the .deb holds exactly aslc's files" $(ok cmp -s "$tmp/files" "$tmp/want")
		dpkg-deb -f "$deb" Depends >"$tmp/log"
		check "the .deb depends on LLVM 16, a C compiler and the -dev packages" \
			$(ok grep -q "gcc | c-compiler, libc6-dev, libjson-c-dev, libssl-dev, libpcre2-dev, .*libllvm16" "$tmp/log")
		dpkg -x "$deb" "$tmp/root"
		"$tmp/root/usr/bin/aslc" build "$loan/loan.asl.json" -o "$tmp/fromdeb" >"$tmp/log" 2>&1
		check "aslc build from the unpacked .deb" \
			$(ok test "$("$tmp/fromdeb" --clock virtual <"$loan/input.json")" = "$(cat "$loan/expected.json")")
	fi
fi

finish install
