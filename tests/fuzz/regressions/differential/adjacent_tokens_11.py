def f():
    x = [0x1for x in y]
