#!/bin/sh
# core-sources.sh SRC - the runtime's core sources as absolute paths, read
# from ASLRT_CORE_SOURCES in SRC/runtime/CMakeLists.txt (the one list; the
# fuzz targets compile them with clang's instrumentation).  calloc.c is left
# out: it is the executables' --wrap=calloc (codegen/cc.c), and a fuzz target
# keeps the sanitizer's own calloc.
set -eu
sed -n '/^set(ASLRT_CORE_SOURCES/,/)/p' "$1/runtime/CMakeLists.txt" |
	tr '()' '  ' | tr ' \t' '\n\n' | grep '\.c$' | grep -vx 'calloc\.c' |
	sed "s|^|$1/runtime/|"
