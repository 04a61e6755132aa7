def f():
    x = 1
    \
 # a comment after a backslash-only line
    y = 2
