def f():
    x = 09
