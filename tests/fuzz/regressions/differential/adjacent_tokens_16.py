def f():
    pass pass
