def f():
    x = 00
