def f():
    x = 0o8
