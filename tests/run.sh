#!/usr/bin/env bash
# The whole test suite from a fresh Debian machine: installs what is missing,
# builds tmdiff twice (plain, and with AddressSanitizer + UBSan) and runs
# every test under ctest in both builds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tests/setup-debian.sh"
jobs=$(nproc)
for variant in release asan; do
  build="$root/build/$variant"
  flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON)
  [ "$variant" = asan ] && flags=(-DCMAKE_BUILD_TYPE=Debug -DTMDIFF_SANITIZE=ON -DBUILD_TESTING=ON)
  cmake -G Ninja -S "$root" -B "$build" "${flags[@]}" >/dev/null
  ninja -C "$build" -j "$jobs"
  echo "== ctest ($variant)"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$build" -j "$jobs" --output-on-failure --timeout 600
done
