def f(self):
      	  for x in y:
            pass
