def f():
    x = 1jC
