class C:
    def d(self):
        return 1

\
 	def g():
    return 2
