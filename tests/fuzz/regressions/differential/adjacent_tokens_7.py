def f():
    x = 1__0
