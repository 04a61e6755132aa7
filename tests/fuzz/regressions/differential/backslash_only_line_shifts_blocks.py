while f(name):
    \
 if name == "x":
         g()
    return 1
