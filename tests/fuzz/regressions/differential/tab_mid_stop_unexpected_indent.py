class C:
    def e(self):
        f(1)

    def f(self):
        # the with sits at column 11 for CPython, 15 for tree-sitter
    	   with a(b):
            y = 2
            z = 3
