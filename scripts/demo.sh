#!/bin/sh
# Command 1 of the README: install what is missing, build aslc, compile the
# order-processing sample into a native executable and run it on its input.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build
echo "== aslc build samples/order-processing/order.asl.json -o build/order"
build/compiler/aslc build samples/order-processing/order.asl.json -o build/order
echo "== build/order --clock virtual --mock-config ... < samples/order-processing/input.json"
build/order --clock virtual --mock-config samples/order-processing/mocks.json \
	--test-case HappyPath <samples/order-processing/input.json
