def f():
    import os import sys
