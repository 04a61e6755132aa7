#!/bin/sh
# demo.sh: tmdiff on the bundled example project. Copies examples/invoicing to
# a temporary git repository, makes an edit, and shows which tests tmdiff
# selects and why. Leaves nothing behind.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
tmdiff=${TMDIFF:-}
if [ -z "$tmdiff" ]; then
    tmdiff=$(command -v tmdiff || true)
    for b in "$here"/../build*/cli/tmdiff; do
        [ -z "$tmdiff" ] && [ -x "$b" ] && tmdiff=$b
    done
fi
if [ -z "$tmdiff" ] || [ ! -x "$tmdiff" ]; then
    echo "demo.sh: no tmdiff found (build it, or set TMDIFF=/path/to/tmdiff)" >&2
    exit 2
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
