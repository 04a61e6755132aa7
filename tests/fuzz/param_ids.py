#!/usr/bin/env python3
"""Random @pytest.mark.parametrize arguments: tmdiff's collection against
pytest's --collect-only.

Each round writes test modules whose functions are parametrized with random
literal values (str with escapes and non-ASCII, bytes, int, float, complex,
None, bools, nested tuples, implicit concatenation, range(), classes and
functions by name), ids= lists, pytest.param(..., id=...), several
argnames, stacked decorators and duplicates (which pytest numbers); some
tests take such values from a fixture's params= instead, directly or
through another fixture. The comparison is collect_harness.py's.

Usage: param_ids.py COLLECT_PROBE [--rounds N] [--seed S] [--python EXE] [--keep]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import collect_harness  # noqa: E402

CHARS = ["a", "Z", "0", " ", "-", "_", ".", "[", "]", ":", "/", "\\\\", "\\n", "\\t", "\\x00",
         "\\x7f", "\\xe9", "\\u00e9", "\\u2192", "\\U0001F600", "é", "ß", "→", "'", '\\"', "\\r",
         "\\N{BULLET}", "\\u200b", "ſ", "ﬁ"]


def rand_str(rng):
    body = "".join(rng.choice(CHARS) for _ in range(rng.randint(0, 6)))
    if rng.random() < 0.1:
        return '"%s" "%s"' % (body, rng.choice(CHARS))  # implicit concatenation
    prefix = rng.choice(["", "", "", "u", "r" if "\\" not in body else ""])
    return '%s"%s"' % (prefix, body)


def rand_value(rng, depth=0):
    k = rng.randint(0, 12 if depth < 2 else 9)
    if k <= 2:
        return rand_str(rng)
    if k == 3:
        return rng.choice(["0", "-1", "7", "10**20", "0x1f", "1_000", "-0", "True", "False", "None",
                           "123456789012345678901234567890"])
    if k == 4:
        return rng.choice(["1.5", "-0.0", "1e16", "1e-7", "0.1", "2.", ".5", "1e300", "3.14159"])
    if k == 5:
        return rng.choice(["1j", "2+3j", "-1.5j"])
    if k == 6:
        return 'b"%s"' % rng.choice(["", "a", "\\xff", "\\x00z", "caf\\xc3\\xa9"])
    if k == 7:
        return rng.choice(["()", "[]", "{}"])
    if k == 8:
        return rand_str(rng)
    if k == 9:
        if rng.random() < 0.5:  # a class or function: its __name__
            return rng.choice(["len", "int", "str.upper", "collections.OrderedDict", "os.path.join",
                               "helper", "Local", "collections.abc.Set"])
        return rng.choice(["-5", "+5", "~1"])
    items = ", ".join(rand_value(rng, depth + 1) for _ in range(rng.randint(1, 3)))
    return rng.choice(["(%s,)" % items, "[%s]" % items])


def rand_parametrize(rng, used_names):
    nargs = rng.choice([1, 1, 1, 2, 3])
    names = []
    while len(names) < nargs:
        n = rng.choice("abcdefgh")
        if n not in names and n not in used_names:
            names.append(n)
    as_tuple = rng.random() < 0.3  # argnames as a tuple: each row a sequence, even of one
    rows = []
    for _ in range(rng.randint(1, 5)):
        vals = [rand_value(rng) for _ in names]
        row = vals[0] if nargs == 1 and not as_tuple else "(%s,)" % ", ".join(vals)
        if rng.random() < 0.15:
            idv = rng.choice(["None", rand_str(rng)])
            row = "pytest.param(%s, id=%s)" % (", ".join(vals), idv)
        elif rng.random() < 0.1:
            row = "pytest.param(%s, marks=pytest.mark.slow)" % ", ".join(vals)
        rows.append(row)
    if rng.random() < 0.2 and rows:
        rows.append(rows[0])  # a duplicate: pytest numbers them
    argnames = repr(tuple(names)) if as_tuple else ",".join(names)
    if nargs == 1 and not as_tuple and rng.random() < 0.1:
        bounds = [str(rng.randint(-3, 6)) for _ in range(rng.randint(1, 3))]
        if len(bounds) == 3 and bounds[2] == "0":
            bounds[2] = "-1"
        return names, '@pytest.mark.parametrize("%s", range(%s))' % (argnames, ", ".join(bounds))
    extra = ""
    if rng.random() < 0.2:
        extra = ", ids=[%s]" % ", ".join(rng.choice(["None", rand_str(rng)]) for _ in rows)
    return names, "@pytest.mark.parametrize(%s, [%s]%s)" % (
        argnames if argnames.startswith("(") else '"%s"' % argnames, ", ".join(rows), extra)


def rand_fixture(rng, name):
    """A fixture whose params= are random values (pytest names its tests'
    parameters as parametrize(name, params, ids=ids) would)."""
    rows = []
    for _ in range(rng.randint(1, 5)):
        v = rand_value(rng)
        if rng.random() < 0.15:
            v = "pytest.param(%s, id=%s)" % (v, rng.choice(["None", rand_str(rng)]))
        rows.append(v)
    if rng.random() < 0.1:
        return "@pytest.fixture(params=range(%d))\ndef %s(request):\n    return request.param\n" % (
            rng.randint(1, 4), name)
    if rng.random() < 0.2:
        rows.append(rows[0])
    extra = ""
    if rng.random() < 0.2:
        extra = ", ids=[%s]" % ", ".join(rng.choice(["None", rand_str(rng)]) for _ in rows)
    return "@pytest.fixture(params=[%s]%s)\ndef %s(request):\n    return request.param\n" % (
        ", ".join(rows), extra, name)


def write_module(rng, path, nfuncs):
    out = ["import collections.abc", "import os", "import pytest", "",
           "def helper():\n    pass\n", "class Local:\n    pass\n"]
    for i in range(nfuncs):
        if rng.random() < 0.25:  # through a fixture's params, maybe by way of another fixture
            out.append(rand_fixture(rng, "fx%d" % i))
            arg = "fx%d" % i
            if rng.random() < 0.3:
                out.append("@pytest.fixture\ndef via%d(fx%d):\n    return fx%d\n" % (i, i, i))
                arg = "via%d" % i
            out.append("def test_f%d(%s):\n    pass\n" % (i, arg))
            continue
        used = []
        for _ in range(rng.choice([1, 1, 1, 2])):
            names, deco = rand_parametrize(rng, used)
            used += names
            out.append(deco)
        out.append("def test_f%d(%s):\n    pass\n" % (i, ", ".join(used)))
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(out) + "\n")


def one_round(args, rng, work, counts):
    def write(root):
        for i in range(4):
            write_module(rng, os.path.join(root, "test_p%d.py" % i), 8)
        with open(os.path.join(root, "pytest.ini"), "w") as fh:
            fh.write("[pytest]\nmarkers =\n    slow\n")
    return collect_harness.compare(args, work, write, counts)


def main():
    return collect_harness.main(__doc__, one_round, "4 modules x 8 parametrized tests")


if __name__ == "__main__":
    sys.exit(main())
