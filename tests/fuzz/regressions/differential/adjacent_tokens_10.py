def f():
    x = 1if y else 2
