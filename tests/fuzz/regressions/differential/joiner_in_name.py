def a‍b(x‌):
    return a‍b.c‍
