#!/usr/bin/env python3
"""Random project layout and configuration: tmdiff's collection against
pytest's --collect-only (the comparison: collect_harness.py).

Each round writes a tree of folders (packages or not; names pytest skips by
default such as build, .hidden, x.egg, a virtualenv; names with spaces,
dashes and non-ASCII letters), test modules named for the default or a
configured python_files, plain files and doctest text files, conftest.py
files with collect_ignore / collect_ignore_glob (lists, or built at run
time), and one configuration file (pytest.ini, tox.ini, setup.cfg,
pyproject.toml or none) with random python_files / python_classes /
python_functions, testpaths, norecursedirs and addopts (--ignore,
--ignore-glob, --doctest-modules, paths).

Usage: collect_layout.py COLLECT_PROBE [--rounds N] [--seed S] [--python EXE] [--keep]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import collect_harness  # noqa: E402

# folder names; each is used once per tree so no two packages or modules share a name
FOLDERS = ["tests", "src", "pkg", "unit", "build", "dist", ".hidden", "venv", "env_like",
           "node_modules", "x.egg", "CVS", "_darcs", "a b", "x-y", "\u00fcn\u00ef", "deep", "lib"]
FILE_PATTERNS = ["test_*.py", "*_test.py", "check_*.py", "*_spec.py", "tests/*.py", "util*.py"]
CLASS_PATTERNS = ["Test", "Check", "*Suite", "Test*"]
FUNCTION_PATTERNS = ["test", "check_*", "*_should", "test_*"]


def module_name(rng, i):
    return rng.choice(["test_m%d.py", "m%d_test.py", "check_m%d.py", "m%d_spec.py", "util%d.py"]) % i


def module_text(rng):
    out = ['"""', ">>> 1 + 1", "2", '"""', ""]
    for j in range(rng.randint(1, 3)):
        out += ["def %s():" % rng.choice(["test_f%d" % j, "check_f%d" % j, "it%d_should" % j, "helper%d" % j]),
                '    """', "    >>> 2 * %d" % j, "    %d" % (2 * j), '    """', ""]
    if rng.random() < 0.5:
        out += ["class %s:" % rng.choice(["TestK", "CheckK", "MySuite", "Other"]),
                "    def %s(self):" % rng.choice(["test_m", "check_m", "m_should"]), "        pass", ""]
    return "\n".join(out) + "\n"


def ignore_conftest(rng, paths, hook_words=None):
    """A conftest.py's collect_ignore / collect_ignore_glob: lists of
    strings (relative to the conftest's folder, so some reach elsewhere or
    nowhere), an empty list that hides an outer one, a list extended under a
    condition from literals, or a list built at run time."""
    names = [rng.choice(["test_m1.py", "m2_test.py", "unit", "../unit", "./deep/", "missing"] + paths)
             for _ in range(rng.randint(0, 3))]
    globs = [rng.choice(["*_spec.py", "*/unit/*", "*m1*", "../*_test.py", "[ct]*.py"])
             for _ in range(rng.randint(0, 2))]
    out = []
    as_list = rng.random() < 0.7
    if rng.random() < 0.7:
        out.append("collect_ignore = %s" % (repr(names) if as_list else repr(tuple(names))))
    if rng.random() < 0.4:
        out.append("collect_ignore_glob = %r" % globs)
    if out and out[0].startswith("collect_ignore = ") and as_list and rng.random() < 0.3:
        # extended under a condition, from literals alone
        more = [rng.choice(["test_m1.py", "unit", "../unit", "deep", "missing"] + paths)
                for _ in range(rng.randint(1, 2))]
        cond = rng.choice(["sys.platform.startswith('linux')", "sys.version_info < (3,)"])
        out.append("import sys\nextra = %r\nif %s:\n    %s" % (more, cond, rng.choice(
            ["collect_ignore += extra", "collect_ignore.extend(extra + ['x.py'])",
             "collect_ignore.append(%r)" % more[0]])))
    if out and rng.random() < 0.15:
        name = out[0].split(" ")[0]
        out.append(rng.choice(["{0} = list({0}) + ['x']", "{0} = [*{0}, '../unit']", "del {0}"]).format(name))
    if hook_words is not None and rng.random() < 0.25:
        # a hook that only skips (its word noted), or one whose False
        # overrules the lists above and the virtualenv check
        word = rng.choice(["m1", "unit", "deep", "nothing"])
        if rng.random() < 0.5:
            hook_words.append(word)
            out.append("def pytest_ignore_collect(collection_path, config):\n"
                       "    if %r in str(collection_path):\n        return True\n" % word)
        else:
            out.append("def pytest_ignore_collect(collection_path, config):\n"
                       "    return %r in str(collection_path)\n" % word)
    return "\n".join(out or ["collect_ignore = []"]) + "\n"


def tree(rng):
    """[(folder, is_package)] with the root first; folders are relative paths."""
    names = rng.sample(FOLDERS, rng.randint(2, 7))
    folders = [("", False)]
    for name in names:
        parent = rng.choice(folders)[0]
        folders.append((os.path.join(parent, name) if parent else name, rng.random() < 0.4))
    return folders


def config(rng, folders, files):
    opts = {}
    if rng.random() < 0.4:
        opts["python_files"] = rng.sample(FILE_PATTERNS, rng.randint(1, 3))
        if rng.random() < 0.15:
            opts["python_files"].append("__init__.py")
    if rng.random() < 0.3:
        opts["python_classes"] = rng.sample(CLASS_PATTERNS, rng.randint(1, 2))
    if rng.random() < 0.3:
        opts["python_functions"] = rng.sample(FUNCTION_PATTERNS, rng.randint(1, 2))
    if rng.random() < 0.3:
        opts["testpaths"] = rng.sample([f for f, _ in folders[1:]] + ["missing", "u*", files[0]],
                                       rng.randint(1, 2))
    if rng.random() < 0.3:
        opts["norecursedirs"] = rng.sample(["build", ".*", "*.egg", "deep", "a*", "src/pkg", "venv"],
                                           rng.randint(1, 3))
    addopts = []
    for _ in range(rng.choice([0, 0, 1, 2])):
        k = rng.random()
        if k < 0.3:
            addopts.append("--ignore=%s" % rng.choice([f for f in [f for f, _ in folders[1:]] + files
                                                       if " " not in f] or ["missing"]))
        elif k < 0.5:
            addopts.append("--ignore-glob=%s" % rng.choice(["*_test.py", "*/unit/*", "*m1*"]))
        elif k < 0.85:  # one of the two: --doctest-modules is unknown without the plugin
            addopts.append(rng.choice(["--doctest-modules", "-pno:doctest"]))
        else:
            addopts.append(rng.choice([f for f, _ in folders[1:] if " " not in f] or ["."]))
    if "--doctest-modules" in addopts and "-pno:doctest" in addopts:
        addopts.remove("-pno:doctest")
    if addopts:
        opts["addopts"] = addopts
    return opts


def write_config(root, rng, opts):
    kind = rng.choice(["pytest.ini", "tox.ini", "setup.cfg", "pyproject.toml", None])
    if kind is None:
        return
    with open(os.path.join(root, kind), "w", encoding="utf-8") as fh:
        if kind == "pyproject.toml":
            fh.write("[tool.pytest.ini_options]\n")
            for key, values in opts.items():
                fh.write("%s = [%s]\n" % (key, ", ".join('"%s"' % v for v in values)))
            return
        fh.write("[%s]\n" % ("tool:pytest" if kind == "setup.cfg" else "pytest"))
        for key, values in opts.items():
            if key == "addopts" or rng.random() < 0.5:
                fh.write("%s = %s\n" % (key, " ".join(values)))
            else:
                fh.write("%s =\n%s\n" % (key, "".join("    %s\n" % v for v in values)))


def one_round(args, rng, work, counts):
    def write(root):
        folders = tree(rng)
        files = []
        for i in range(rng.randint(2, 9)):
            folder = rng.choice(folders)[0]
            files.append(os.path.join(folder, module_name(rng, i)) if folder else module_name(rng, i))
        opts = config(rng, folders, files)
        # a conftest.py that python_files matches is a test module too, and
        # two of them in plain folders collide on import
        conftests = "tests/*.py" not in opts.get("python_files", [])
        for folder, package in folders:
            os.makedirs(os.path.join(root, folder), exist_ok=True)
            if package:
                with open(os.path.join(root, folder, "__init__.py"), "w") as fh:
                    fh.write("def test_in_init():\n    pass\n" if rng.random() < 0.3 else "")
            if folder.endswith("venv") or folder.endswith("env_like") and rng.random() < 0.5:
                # pytest 7 looks for bin/activate, pytest 8 for pyvenv.cfg
                marks = rng.choice([["bin/activate"], ["pyvenv.cfg"], ["bin/activate", "pyvenv.cfg"]])
                for mark in marks:
                    os.makedirs(os.path.dirname(os.path.join(root, folder, mark)), exist_ok=True)
                    open(os.path.join(root, folder, mark), "w").close()
            if folder and conftests and rng.random() < 0.2:
                words = []
                with open(os.path.join(root, folder, "conftest.py"), "w") as fh:
                    fh.write(ignore_conftest(rng, [f for f, _ in folders] + files, words))
                hooks.extend((folder + "/", word, root) for word in words)
            if rng.random() < 0.15:
                with open(os.path.join(root, folder, "test_doc%d.txt" % len(files)), "w") as fh:
                    fh.write(">>> 1 + 2\n3\n")
        for path in files:
            with open(os.path.join(root, path), "w", encoding="utf-8") as fh:
                fh.write(module_text(rng))
        write_config(root, rng, opts)
    hooks = []  # (folder/, word, root) of each hook that only skips

    def skipped_by_hook(path):
        return any(path.startswith(folder) and word in os.path.join(root, path)
                   for folder, word, root in hooks)
    return collect_harness.compare(args, work, write, counts, skipped_by_hook)


def main():
    return collect_harness.main(__doc__, one_round, "random layouts and configurations")


if __name__ == "__main__":
    sys.exit(main())
