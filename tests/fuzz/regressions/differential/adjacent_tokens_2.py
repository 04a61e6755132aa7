def f():
    x = 9abc
