#!/bin/sh
# core-sources.sh SRC - the runtime's core sources as absolute paths, read
# from ASLRT_CORE_SOURCES in SRC/runtime/CMakeLists.txt (the one list; the
# fuzz targets compile them with clang's instrumentation).
set -eu
sed -n '/^set(ASLRT_CORE_SOURCES/,/)/p' "$1/runtime/CMakeLists.txt" |
	tr '()' '  ' | tr ' \t' '\n\n' | grep '\.c$' | sed "s|^|$1/runtime/|"
