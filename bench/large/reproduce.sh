#!/bin/sh
# One command for every figure of bench/large (see bench/README.md):
# generates the repositories that are missing, runs the scenarios, prints
# the table and draws the plots.
#
#   bench/large/reproduce.sh [DATA_DIR] [run.py options...]
#
# DATA_DIR (default /tmp/tmdiff-bench-large) keeps the generated
# repositories between runs (large: ~310 MB, 6 minutes to generate).
# TMDIFF_BIN names tmdiff (default build/release/cli/tmdiff); the floor
# probe is BUILD/bench/floor next to it. Example, warm figures only:
#   bench/large/reproduce.sh /tmp/b --sizes large --no-reference --runs 9
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
data=${1:-/tmp/tmdiff-bench-large}
[ $# -gt 0 ] && shift
tmdiff=${TMDIFF_BIN:-$top/build/release/cli/tmdiff}
sizes=small,medium,large
prev=
for a in "$@"; do
    [ "$prev" = "--sizes" ] && sizes=$a
    prev=$a
done
for size in $(echo "$sizes" | tr , ' '); do
    if [ ! -f "$data/$size/manifest.json" ]; then
        python3 "$here/generate.py" --size "$size" --out "$data/$size" --tmdiff "$tmdiff"
    fi
done
python3 "$here/run.py" --data "$data" --tmdiff "$tmdiff" --out "$data/results.json" "$@"
python3 "$here/report.py" "$data/results.json" --plots "$data"
