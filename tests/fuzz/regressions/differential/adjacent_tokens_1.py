def f():
    x = 1C
