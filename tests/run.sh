#!/usr/bin/env bash
# The whole test suite from a fresh Debian machine: installs what is missing,
# builds tmdiff three times (plain, with AddressSanitizer + UBSan, with
# ThreadSanitizer) and runs every test under ctest in each build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tests/setup-debian.sh"
jobs=$(nproc)
for variant in release asan tsan; do
  build="$root/build/$variant"
  flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON)
  [ "$variant" = asan ] && flags=(-DCMAKE_BUILD_TYPE=Debug -DTMDIFF_SANITIZE=ON -DBUILD_TESTING=ON)
  [ "$variant" = tsan ] && flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DTMDIFF_TSAN=ON -DBUILD_TESTING=ON)
  cmake -G Ninja -S "$root" -B "$build" "${flags[@]}" >/dev/null
  ninja -C "$build" -j "$jobs"
  echo "== ctest ($variant)"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 TSAN_OPTIONS=halt_on_error=1 \
    ctest --test-dir "$build" -j "$jobs" --output-on-failure --timeout 600
done
