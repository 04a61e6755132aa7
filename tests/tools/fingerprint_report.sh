#!/usr/bin/env bash
# Everything that measures the fingerprint engine, in full, into one report
# for the dumper engineers: the conformance kit (unit.conformance_syntax),
# every stdlib file of every pyenv interpreter (plain path, then the dedent
# path), and CPython's own invalid snippets.
#
# Usage: tests/tools/fingerprint_report.sh BUILD_DIR [JOBS]
# Writes BUILD_DIR/mismatch-report.txt (stdlib failures with the first
# differing block and the failing constructs per dialect) and
# BUILD_DIR/invalid-report.txt; prints the summary lines. Exit 1 if anything
# failed. Takes 5-10 minutes on two cores.
set -uo pipefail
build=${1:?usage: $0 BUILD_DIR [JOBS]}
jobs=${2:-$(nproc)}
here=$(cd "$(dirname "$0")" && pwd)
tmdiff="$build/cli/tmdiff"
report="$build/mismatch-report.txt"
status=0

echo "== conformance kit (unit.conformance_syntax)"
"$build/tests/test_conformance_syntax" >"$build/conformance-report.txt" 2>&1 || status=1
grep -E "files match" "$build/conformance-report.txt"

step() { # step TITLE LOG COMMAND...: runs it, shows its summary lines
  local title=$1 log=$2
  shift 2
  echo "== $title"
  "$@" >"$log" 2>&1 || status=1
  grep -E "^py3|^compare_stdlib|^extract_invalid|valid snippets" "$log"
}
step "stdlib, plain path" "$build/stdlib-plain.log" python3 "$here/compare_stdlib.py" \
  --tmdiff "$tmdiff" -j "$jobs" --show 0 --report "$report.plain"
step "stdlib, dedent path (--modified)" "$build/stdlib-dedent.log" python3 "$here/compare_stdlib.py" \
  --tmdiff "$tmdiff" -j "$jobs" --show 0 --modified --report "$report.dedent"
step "CPython's invalid snippets" "$build/invalid.log" python3 "$here/extract_invalid.py" \
  --tmdiff "$tmdiff" -j "$jobs" --show 0 --valid --report "$build/invalid-report.txt"

{
  echo "# tmdiff fingerprint mismatch report ($(date -u '+%Y-%m-%d %H:%M UTC'), $(git -C "$here" rev-parse --short HEAD))"
  echo "# conformance kit: $build/conformance-report.txt; invalid snippets: $build/invalid-report.txt"
  echo
  echo "#### conformance kit"
  cat "$build/conformance-report.txt"
  echo
  echo "#### stdlib, plain path"
  cat "$report.plain"
  echo
  echo "#### stdlib, dedent path"
  cat "$report.dedent"
} >"$report"
rm -f "$report.plain" "$report.dedent"
echo "report: $report"
exit $status
