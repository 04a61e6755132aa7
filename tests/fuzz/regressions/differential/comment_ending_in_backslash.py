X = 5#_Y = Z - \
               (A + B)
assert X
