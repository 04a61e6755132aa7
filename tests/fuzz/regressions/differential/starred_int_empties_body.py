class C:
    def f(self):
        addr = *12 + bytes.fromhex("00")
