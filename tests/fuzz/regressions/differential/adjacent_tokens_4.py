def f():
    x = 0b12
