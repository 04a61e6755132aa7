f(0or 1)
