def f():
    x = 1e
