def f(pat):
    if pat:
        s = str(pat)
      \
 r = g(s)
        res = h(r)
    else:
        res = g(pat)
    return res
