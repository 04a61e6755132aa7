#!/usr/bin/env python3
"""Random test-module structure: tmdiff's collection against pytest's
--collect-only (the comparison: collect_harness.py).

Each round writes a small project: conftest.py fixtures (some parametrized,
some autouse, of every scope; some imported from a helper package, maybe
renamed, re-exported or bound by an alias, one autouse; one autouse made by
a call) at the root and in a sub-folder, a pytest_generate_tests hook
(guarded by the names it parametrizes, or not), a plugin module the root
conftest may load with pytest_plugins (a list, or one built by glob or
Path.glob), and test modules built from random pieces: plain and decorated
functions (known marks, marks bound to names, mock.patch, a local
decorator, marks that set a fixture's name directly or indirectly), static
methods, fixtures requested by tests (some imported by the module),
classes (nested, with a local base, with __init__, __test__ = False,
unittest.TestCase), class and module pytestmark, conditional and repeated
definitions, aliases, deletions, non-callable names that match the
patterns, imported tests and, rarely, names bound at runtime. Some tests are coroutines marked for anyio's
plugin, whose anyio_backend fixture the sub-folder may override.

Usage: collect_structure.py COLLECT_PROBE [--rounds N] [--seed S] [--python EXE] [--keep]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import collect_harness  # noqa: E402

CONFTEST = '''import pytest

@pytest.fixture
def plain():
    return 1

@pytest.fixture(params=[1, 2])
def pair(request):
    return request.param

@pytest.fixture
def uses_pair(pair):
    return pair

@pytest.fixture
def via_gen(gen):
    return gen

@pytest.fixture(scope="module", params=["m1", "m2"])
def mod(request):
    return request.param

@pytest.fixture
def k(mod, request):
    return getattr(request, "param", 0)
{hook}{plugins}{imports}{anyio}'''
# fixtures a conftest imports from a helper package, directly, renamed, by
# a star or through a module that re-exports them
FXPKG = {"__init__.py": "",
         "fx.py": '''import pytest

@pytest.fixture(params=["i1", "i2"])
def imp_param(request):
    return request.param

@pytest.fixture
def imp_plain():
    return 0
''',
         "reexport.py": "from .fx import imp_param as imp_alias\nfrom .fx import *\n",
         "shim.py": "from fxpkg import fx as _fx\nimp_alias = _fx.imp_param\n",
         "auto.py": '''import pytest

@pytest.fixture(autouse=True, params=["a1"])
def imp_auto(request):
    return request.param
'''}
IMPORTS = ["", "", "from fxpkg.fx import imp_param\n", "from fxpkg.fx import *\n",
           "from fxpkg.reexport import imp_alias, imp_plain\n", "from fxpkg.reexport import *\n",
           "from fxpkg.fx import imp_param as imp_alias\n", "from fxpkg.auto import imp_auto\n",
           # fixtures bound by assignment, or defined under a condition
           "from fxpkg import fx as _fx\nimp_plain = _fx.imp_param\n", "from fxpkg.shim import imp_alias\n",
           # an autouse fixture bound through a module attribute, or made by a call
           "import fxpkg.auto\nauto_alias = fxpkg.auto.imp_auto\n",
           "from fxpkg import auto as _a\nauto_alias = (_a.imp_auto)\n",
           "def _make():\n    @pytest.fixture(autouse=True, params=['f1', 'f2'])\n"
           "    def made(request):\n        return request.param\n    return made\nmade_auto = _make()\n",
           "import sys\nif sys.version_info >= (3,):\n    @pytest.fixture(params=['c1', 'c2'])\n"
           "    def imp_plain(request):\n        return request.param\n"]
PLUGIN = '''import pytest

@pytest.fixture(params=["p1", "p2"])
def plugged(request):
    return request.param
'''
# pytest_generate_tests: guarded by the names it parametrizes (tests that
# request none of them keep exact IDs), or acting on every test
HOOKS = ["", "",
         '''
def pytest_generate_tests(metafunc):
    """Guarded."""
    if "gen" in metafunc.fixturenames:
        metafunc.parametrize("gen", ["g1", "g2"])
''',
         '''
def pytest_generate_tests(metafunc):
    if "gen" in metafunc.fixturenames and True:
        metafunc.fixturenames.append("rep")
        metafunc.parametrize("rep", [0, 1])
    elif ("other" in metafunc.fixturenames) or "p" in metafunc.fixturenames:
        metafunc.parametrize("gen_extra", [0]) if "gen_extra" in metafunc.fixturenames else None
''',
         '''
def pytest_generate_tests(metafunc):
    if metafunc.function.__name__.endswith("0"):
        metafunc.parametrize([], [(), ()], ids=["once", "twice"])
''']
SUB_CONFTEST = '''import pytest

@pytest.fixture(params=["x", "y"], autouse={autouse})
def sub_param(request):
    return request.param

@pytest.fixture
def plain():
    return 2
{anyio}'''
# anyio's plugin parametrizes anyio_backend, with the backends of the anyio
# installed (Debian's has no trio): the root conftest always overrides it,
# so pytest's IDs do not depend on that (unit.collect checks the plugin's
# own); the sub-folder may override it again
ANYIO_ROOT = ["\n@pytest.fixture\ndef anyio_backend():\n    return 'asyncio'\n",
              "\n@pytest.fixture(params=['asyncio', 'trio'])\ndef anyio_backend(request):\n"
              "    return request.param\n",
              "\n@pytest.fixture(scope='module', params=['asyncio', 'trio'])\ndef anyio_backend(request):\n"
              "    return request.param\n"]
ANYIO = ["", "",
         "\n@pytest.fixture\ndef anyio_backend():\n    return 'asyncio'\n",
         "\n@pytest.fixture(params=['asyncio'])\ndef anyio_backend(request):\n    return request.param\n"]


def fixture_args(rng, method):
    names = ["self"] if method else []
    for f in rng.sample(["plain", "pair", "uses_pair", "local", "local_param", "sub_param", "gen", "via_gen",
                            "plugged", "mod", "k", "imp_param", "imp_alias", "imp_plain", "anyio_backend"],
                        rng.choice([0, 0, 0, 1, 1, 2])):
        names.append(f)
    return names


def function(rng, name, indent, extra, method=False):
    """A (maybe decorated) function; `extra`: argument names parametrized
    from outside (class or module marks). Some methods are static: their
    first parameter is a fixture, not self."""
    pad = " " * indent
    static = method and rng.random() < 0.15
    lines, args = [], fixture_args(rng, method and not static) + extra
    for _ in range(rng.choice([0, 0, 0, 1, 2])):
        deco = rng.choice([
            "@pytest.mark.skip", "@pytest.mark.xfail", "@pytest.mark.slow",
            "@pytest.mark.parametrize('p', [1, 2])", "@mock.patch('os.sep', '/')",
            "@local_decorator", "@pytest.mark.usefixtures('pair')", "@pytest.mark.usefixtures('plain')",
            "@functools.lru_cache", "@pytest.mark.parametrize('k', [5, 6], indirect=True)",
            "@pytest.mark.parametrize('pair', ['d'])", "@slow_alias"])
        if deco in lines:
            continue
        lines.append(deco)
        for arg in ("p", "k", "pair"):
            if "'%s'" % arg in deco and arg not in args:
                args.append(arg)
    coroutine = rng.random() < 0.12
    if coroutine and rng.random() < 0.7:
        lines.append("@pytest.mark.anyio")
    if static:
        lines.insert(0, "@staticmethod")
    lines = [pad + line for line in lines]
    lines.append("%s%sdef %s(%s):" % (pad, "async " if coroutine else "", name, ", ".join(args)))
    lines.append(pad + "    pass")
    return lines


def klass(rng, name, indent, depth, extra, base=None):
    """Lines of a class, and the argument names its marks parametrize
    (subclasses inherit them)."""
    pad = " " * indent
    lines, extra = [], list(extra)
    if rng.random() < 0.15 and not base and not extra:
        deco = rng.choice(["@pytest.mark.usefixtures('pair')", "@pytest.mark.slow",
                           "@pytest.mark.parametrize('q', [3, 4])"])
        lines.append(pad + deco)
        if "'q'" in deco:
            extra.append("q")
    lines.append("%sclass %s%s:" % (pad, name, "(%s)" % base if base else ""))
    body = []
    if rng.random() < 0.1 and not base and "r" not in extra:
        body.append(pad + "    pytestmark = pytest.mark.parametrize('r', [5, 6])")
        extra.append("r")
    if rng.random() < 0.08:
        body += [pad + "    def __init__(self):", pad + "        pass"]
    if rng.random() < 0.08:
        body.append(pad + "    __test__ = %s" % rng.choice(["False", "True"]))
    for i in range(rng.randint(0, 3)):
        mname = rng.choice(["test_m%d" % i, "test_m%d" % i, "helper%d" % i, "check_m%d" % i])
        body += function(rng, mname, indent + 4, extra, method=True)
    if depth < 1 and rng.random() < 0.2:
        body += klass(rng, "TestInner", indent + 4, depth + 1, extra)[0]
    if not body:
        body.append(pad + "    pass")
    return lines + body, extra


def module(rng):
    out = ["import functools", "import sys", "import pytest", "from unittest import mock, TestCase", "",
           "def local_decorator(f):", "    return f", "",
           "slow_alias = pytest.mark.skipif(sys.platform == 'win32', reason='slow')", ""]
    if rng.random() < 0.15:
        out += ["from fxpkg.fx import imp_param", ""]
    elif rng.random() < 0.1:
        out += ["from fxpkg import fx as _fxm", "local = _fxm.imp_param", ""]
    if rng.random() < 0.3:
        out += ["@pytest.fixture", "def local():", "    return 0", ""]
    if rng.random() < 0.2:
        out += ["@pytest.fixture(params=[7, 8])", "def local_param(request):", "    return request.param", ""]
    else:
        out += ["@pytest.fixture", "def local_param():", "    return 0", ""]
    extra = []
    if rng.random() < 0.1:
        mark = rng.choice(["pytest.mark.slow", "pytest.mark.usefixtures('pair')",
                           "[pytest.mark.parametrize('s', [9])]"])
        out += ["pytestmark = %s" % mark, ""]
        if "'s'" in mark:
            extra.append("s")
    defined, class_args = [], {}
    for i in range(rng.randint(2, 7)):
        k = rng.random()
        if k < 0.45:
            name = rng.choice(["test_f%d" % i, "test_f%d" % i, "helper_%d" % i, "Test_f%d" % i])
            out += function(rng, name, 0, extra)
            defined.append(name)
        elif k < 0.7:
            bases = [d for d in defined if d.startswith(("Test", "Base")) and "_" not in d]
            base = rng.choice(bases) if bases and rng.random() < 0.25 else None
            name = rng.choice(["TestC%d" % i, "TestC%d" % i, "Base%d" % i, "OtherC%d" % i])
            lines, class_args[name] = klass(rng, name, 0, 0, class_args.get(base, extra), base)
            out += lines
            defined.append(name)
        elif k < 0.78:
            out += ["class TestCase%d(TestCase):" % i, "    def test_u(self):", "        pass",
                    "    def helper(self):", "        pass"]
        elif k < 0.84:
            out.append("if %s:" % rng.choice(["True", "False", "sys.platform"]))
            out += function(rng, "test_cond%d" % i, 4, extra)
        elif k < 0.88 and defined:
            out.append("test_alias%d = %s" % (i, rng.choice(defined)))
        elif k < 0.91:
            out.append(rng.choice(["test_value = 3", "TestConst = 1", "test_none = None"]))
        elif k < 0.94 and defined:
            d = rng.choice(defined)
            out.append("del %s" % d)
            defined.remove(d)
        elif k < 0.97 and not extra:
            out.append("from helpers import test_imported%s" % rng.choice(["", " as test_renamed"]))
        elif not extra:
            out += ["for _i in range(2):", "    globals()['test_dyn%d' % _i] = lambda: None"]
        out.append("")
    return "\n".join(out) + "\n"


def one_round(args, rng, work, counts):
    def write(root):
        os.makedirs(os.path.join(root, "sub"))
        with open(os.path.join(root, "conftest.py"), "w") as fh:
            fh.write(CONFTEST.format(hook=rng.choice(HOOKS), plugins=rng.choice(
                ["", "pytest_plugins = ['plugs.more']\n", "pytest_plugins = 'plugs.more,pytester'\n",
                 "from glob import glob\npytest_plugins = [f.replace('/', '.')[:-3] for f in glob('plugs/*.py')]\n",
                 "from pathlib import Path\npytest_plugins = ['plugs.' + p.stem for p in Path('plugs').glob('*.py')]\n",
                 "from pathlib import Path\npytest_plugins = ['plugs.' + p.stem\n"
                 "                  for p in (Path(__file__).parent / 'plugs').glob('[!_]*.py')]\n"]),
                imports=rng.choice(IMPORTS), anyio=rng.choice(ANYIO_ROOT)))
        os.makedirs(os.path.join(root, "fxpkg"))
        for name, text in FXPKG.items():
            with open(os.path.join(root, "fxpkg", name), "w") as fh:
                fh.write(text)
        os.makedirs(os.path.join(root, "plugs"))
        with open(os.path.join(root, "plugs", "more.py"), "w") as fh:
            fh.write(PLUGIN)
        with open(os.path.join(root, "sub", "conftest.py"), "w") as fh:
            fh.write(SUB_CONFTEST.format(autouse=rng.choice(["True", "False"]), anyio=rng.choice(ANYIO)))
        with open(os.path.join(root, "helpers.py"), "w") as fh:
            fh.write("def test_imported():\n    pass\n")
        with open(os.path.join(root, "pytest.ini"), "w") as fh:
            fh.write("[pytest]\nmarkers =\n    slow\n")
        for i in range(4):
            with open(os.path.join(root, "%stest_s%d.py" % ("sub/" if i % 2 else "", i)), "w") as fh:
                fh.write(module(rng))
    return collect_harness.compare(args, work, write, counts)


def main():
    return collect_harness.main(__doc__, one_round, "4 modules of random structure")


if __name__ == "__main__":
    sys.exit(main())
