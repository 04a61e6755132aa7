#!/bin/sh
# demo.sh: tmdiff on the bundled example project. Copies examples/invoicing to
# a temporary git repository, makes an edit, and shows which tests tmdiff
# selects and why. Leaves nothing behind.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
tmdiff=${TMDIFF:-}
if [ -z "$tmdiff" ]; then
    # Install what this machine lacks and build (incremental after the first run).
    root=$(cd "$here/.." && pwd)
    "$root/tests/setup-debian.sh"
    cmake -G Ninja -S "$root" -B "$root/build/release" >/dev/null
    ninja -C "$root/build/release" tmdiff >/dev/null
    tmdiff=$root/build/release/cli/tmdiff
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/tmdiff-demo-XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -R "$here/invoicing" "$work/invoicing"
chmod -R u+w "$work/invoicing"
cd "$work/invoicing"
git() { command git -c user.name=demo -c user.email=demo@example.invalid \
                    -c core.autocrlf=false -c commit.gpgsign=false "$@"; }
git init -q
git add -A ':!.testmondata'
git commit -q -m "the commit CI recorded .testmondata at"

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

# The environment check (Python version and installed packages must equal
# the recorded ones: 3.11.2, pytest 7.2, ...) is skipped so the demo runs on
# any machine; on a real project leave it on.
opts="--no-env-check"

say "tmdiff $opts    # nothing changed: only the test that failed on CI"
"$tmdiff" $opts

echo
echo "Editing the body of invoicing.tax.apply_tax (same result, new code):"
sed -i 's/^    return amount + amount \* (rate \/ 100)$/    tax = amount * (rate \/ 100)\n    return amount + tax/' invoicing/tax.py
git --no-pager diff --stat

say "tmdiff $opts"
"$tmdiff" $opts

say "tmdiff $opts --format json | (summary)"
"$tmdiff" $opts --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"])'

say "tmdiff explain $opts tests/test_tax.py::TestApplyTax::test_standard tests/test_money.py::test_split_rejects_zero"
"$tmdiff" explain $opts tests/test_tax.py::TestApplyTax::test_standard \
    tests/test_money.py::test_split_rejects_zero

if python3 -c 'import pytest' 2>/dev/null; then
    say "python3 -m pytest -q -p no:cacheprovider \$(tmdiff $opts)"
    # shellcheck disable=SC2046
    python3 -m pytest -q -p no:cacheprovider $("$tmdiff" $opts | tr '\n' ' ') || true
fi
