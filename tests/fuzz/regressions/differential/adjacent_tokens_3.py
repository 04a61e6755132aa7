def f():
    x = 0x1g
