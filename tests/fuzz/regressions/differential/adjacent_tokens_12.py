def f():
    x = 1in y
