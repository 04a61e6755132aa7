def f(exc):
    return f"no gdb: {​exc}"
