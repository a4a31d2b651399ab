#!/bin/sh
# Command 2 of the README: install what is missing, build with warnings as
# errors, run the whole suite (unit, golden, CLI, samples, conformance through
# both backends), then the unit, CLI and sample tests again under
# AddressSanitizer and UBSan, and the thread pool's tests under
# ThreadSanitizer.  Ends with ctest's summary line.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
# The npm servers the AWS integration tests start (dynalite, s3rver,
# local-aws-sqs); those tests skip where npm is absent.
if command -v npm >/dev/null 2>&1; then
	npm ci --prefix tests/aws/npm --no-audit --no-fund >/dev/null ||
		echo "test.sh: npm ci failed; the tests against npm servers will skip"
fi
export LC_ALL=C
jobs=$(nproc)

cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DASLC_WERROR=ON -DASLC_SANITIZE=ON >/dev/null
cmake --build build-asan
echo "== under AddressSanitizer and UBSan"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j "$jobs" -E conformance)

# ThreadSanitizer: only aslc and the runtime, then the tests labelled tsan
# (tests/CMakeLists.txt), whose executables link TSan.
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DASLC_WERROR=ON -DASLC_SANITIZE=thread >/dev/null
cmake --build build-tsan --target aslc aslrt aslrt_express
echo "== the thread pool under ThreadSanitizer"
(cd build-tsan && ctest --output-on-failure -j "$jobs" -L tsan)

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DASLC_WERROR=ON -DASLC_FUZZ_SECONDS=120 >/dev/null
cmake --build build
echo "== the whole suite"
cd build && ctest --output-on-failure -j "$jobs"
