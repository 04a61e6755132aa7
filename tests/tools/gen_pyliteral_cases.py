#!/usr/bin/env python3
"""gen_pyliteral_cases.py: writes tests/unit/pyliteral_cases.inc, the hard
literal cases of test_pyliteral.c with the answers of each pyenv CPython.

Run it again after adding a case: ./tests/tools/gen_pyliteral_cases.py
Every expected value comes from ast.parse in the interpreter of that dialect:
  s  string tokens (\\001 between implicitly concatenated ones): the
     Constant(...) dump, or SyntaxError
  f  an f-string fragment ("r" + text for a raw one): the Constant(...) of
     f'<fragment>' (braces doubled as the source has them)
  n  a number token: repr() of its value (ValueError -> INEXACT)
  i  an identifier: the name ast stores
"""
import glob
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "unit", "pyliteral_cases.inc")
DIALECTS = ["3.8", "3.9", "3.10", "3.11", "3.12", "3.13"]

S = [
    ["'plain'"], ['"double"'], ["'''tri\nple'''"], ['"""a "q" \'x\'"""'], ["''"], ["b''"],
    ["u'u'"], ["U'U'"], ["u'a'", "'b'"], ["'a'", "u'b'"], ["r'\\d+'", "'\\n'"],
    ["b'a'", "rb'\\b'", "Br'c'"], ["b'a'", "'b'"], ["'a'", "b'b'"], ["b'caf\u00e9'"], ["rb'\u00e9'"],
    ["ur'x'"], ["bu'x'"], ["'it\\'s'"], ["\"it's\""], ["'both \\' and \"'"], ["'\\\\'"],
    ["'\\n\\t\\r\\\\\\'\\\"\\a\\b\\f\\v\\0'"], ["'\\x00\\x1f\\x41\\x7f\\x80\\xa0\\xad\\xe9\\xff'"],
    ["'\\u0000\\u00e9\\u200b\\u2028\\u20ac\\ufeff\\uffff\\ud800\\udfff'"],
    ["'\\U00000041\\U0001F600\\U0010FFFF\\U0001d11e\\U000e0001'"], ["'\\U00110000'"], ["'\\x4'"],
    ["'\\u12'"], ["'\\0\\7\\12\\101\\177\\200\\377\\1234\\777'"], ["b'\\777\\400\\1234'"],
    ["'\\N{EM DASH}\\N{em dash}\\N{Latin Small Letter E With Acute}'"], ["'\\N{BEL}\\N{LINE FEED}\\N{NBSP}'"],
    ["'\\N{BYTE ORDER MARK}\\N{VS16}\\N{KATAKANA LETTER AINU P}'"], ["'\\N{NOT A NAME}'"], ["'\\N{}'"],
    ["'\\N'"], ["'\\N{EM DASH'"], ["b'\\N{EM DASH}'"], ["b'\\u00e9\\U0001F600'"],
    ["'\\N{HANGUL SYLLABLE GAG}\\N{HANGUL SYLLABLE GGWAELH}\\N{HANGUL SYLLABLE A}'"],
    ["'\\N{hangul syllable ga}'"], ["'\\N{HANGUL SYLLABLE GAX}'"],
    ["'\\N{CJK UNIFIED IDEOGRAPH-4E00}'"], ["'\\N{CJK UNIFIED IDEOGRAPH-4e00}'"],
    ["'\\N{cjk unified ideograph-4E00}'"], ["'\\N{CJK UNIFIED IDEOGRAPH-9FFF}'"],
    ["'\\N{CJK UNIFIED IDEOGRAPH-31350}'"], ["'\\N{CJK UNIFIED IDEOGRAPH-2EBF0}'"],
    ["'\\N{MELTING FACE}'"], ["'\\N{PINK HEART}'"], ["'\\N{SHAKING FACE}'"], ["'\\N{TANGUT IDEOGRAPH-17000}'"],
    ["'\\N{IDEOGRAPHIC DESCRIPTION CHARACTER SUBTRACTION}'"],
    ["'\\d\\z\\8\\ \\{\\\u00e9'"], ["r'\\n\\x41\\N{SNOWMAN}'"], ["'line one \\\nline two'"],
    ["r'a\\\nb'"], ["'''a\rb'''"], ["'''a\r\nb'''"], ["'\\\r\nx'"],
    ["'\U0001fae8 \u2ffc \U0001fad0 \U0001fa77 \U0001faf8'"], ["'\\U0001fae8\\u2ffc\\U0001fbf0\\U000e0100'"],
    ["'\x02\x1b\x7f\x80\x9f\u00a0\u00ad\u3000\u2028\u2029\u200b\ufeff\ue000\U000f0000\U000e0041'"],
    ["'\u00f1 \u4e2d\u6587 \u0627\u0644\u0639\u0631\u0628\u064a\u0629 \U0001f600'"],
    ["'\\ud83d\\ude00'"], ["b'\\x00\\x7f\\x80\\xff'"], ["b'\\n\\t\\\\'"], ["b'\\'\"'"], ["b\"'\""],
]
F = ["{{x}}", "a\\n{{", "}}\\t", "r\\d{{", "\\N{EM DASH}", "r\\N", "\u00e9\\x41"]
N = ["0", "7", "00", "0_0", "1_000_000", "0777", "0_7", "1__0", "1_", "0x", "0x_1f", "0XFF", "0xDead_Beef",
     "0o17", "0O777", "0o_7_7", "0b1011", "0B1111_0000", "0b2", "0o8", "1L",
     "0xFFFFFFFFFFFFFFFF", "0x10000000000000000", "18446744073709551616",
     "0x1_0000_0000_0000_0000_0000_0000_0000_0000", "9" * 4300, "9" * 4301, "0x" + "f" * 3571,
     "0x" + "f" * 3572, "0x1" + "0" * 3571, "0x2" + "0" * 3571, "0b1" + "0" * 200,
     "0.0", "1.0", "1.", ".5", "3.14159", "2.5e0", "1e10", "1E10", "1e-10", "1e+10", "6.02214076e23",
     "1_0.5_5e1_0", "0.1", "0.2", "0.30000000000000004", "0.3333333333333333", "2.675", "1e16", "1e15",
     "123456789012345678.0", "1.7976931348623157e308", "1.7976931348623157e+308", "5e-324", "4e-324",
     "2e-324", "2.2250738585072014e-308", "1e309", "2e400", "1e-400", "3e-330", "9007199254740993",
     "9007199254740993.0", "9007199254740992.0", "1e22", "1e23", "8.41e21", "5e-5", "1e-4", "1e-05",
     "3.14159265358979323846264338327950288419716939937510582097494459", "1.500000000000000000000001",
     "100.000", "00.5", "0e0", "0.0e-5", "09.5", "09", "1e", "1e_5", "1._5", "1_.5",
     "0j", "1j", "1J", "2.5j", "1e3j", "1e-3j", "1_000j", "1e400j", ".5j", "5.j", "0.0j", "1e16j",
     "1e15j", "1e-7j", "09j"]
I = ["x", "_", "_x1", "caf\u00e9", "na\u00efve", "\u03c0", "\u0394t", "\ufb01le", "\u210cello",
     "\uff57\uff49\uff44\uff45", "\u00b5", "gr\u00fc\u00dfen", "\u00c4pfel", "x\u00b7y", "\u00b7x",
     "x\U0001fbf0", "a\u30fb", "a\uff65", "x\u20ac", "\U0001d400", "\u2160", "\u3005", "\u0300x",
     "x\u0300", "\uac00", "\U00031350", "\U0002ebf0", "x\u00b2"]


def cases():
    out = [["s", t] for t in S]
    out += [["f", [x]] for x in F]
    out += [["n", [x]] for x in N]
    out += [["i", [x]] for x in I]
    return out


WORKER = r'''
import ast, json, sys, warnings
warnings.simplefilter("ignore")
for line in sys.stdin:
    kind, toks = json.loads(line)
    try:
        if kind == "s":
            node = ast.parse("(" + " ".join(toks) + ")", mode="eval").body
            print(json.dumps(["OK", "Constant(%r, %r)" % (node.value, node.kind)]))
        elif kind == "f":
            t = toks[0]
            src = ("rf'" + t[1:] if t.startswith("r") else "f'" + t) + "'"
            vals = ast.parse(src, mode="eval").body.values
            print(json.dumps(["OK", "Constant(%r, None)" % (vals[0].value if vals else "")]))
        elif kind == "n":
            node = ast.parse(toks[0], mode="eval").body
            try:
                print(json.dumps(["OK", repr(node.value)]))
            except ValueError:
                print(json.dumps(["INEXACT", ""]))
        else:
            print(json.dumps(["OK", ast.parse(toks[0], mode="eval").body.id]))
    except SyntaxError:
        print(json.dumps(["SYNTAX", ""]))
'''


def c_str(s):
    out = []
    for b in s.encode("utf-8", "surrogatepass"):
        ch = chr(b)
        out.append(ch if 0x20 <= b < 0x7f and ch not in '\\"?' else "\\%03o" % b)
    return '"' + "".join(out) + '"'


def main():
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    cs = cases()
    payload = "".join(json.dumps(c) + "\n" for c in cs)
    lines = ["/* Generated by tests/tools/gen_pyliteral_cases.py from the pyenv CPythons: do not edit. */\n"]
    for d in DIALECTS:
        exes = sorted(glob.glob(os.path.join(root, "versions", d + ".*", "bin", "python")))
        if not exes:
            sys.exit("gen_pyliteral_cases: no pyenv CPython %s" % d)
        ver = os.path.basename(os.path.dirname(os.path.dirname(exes[-1])))
        r = subprocess.run([exes[-1], "-c", WORKER], input=payload, capture_output=True, text=True,
                           encoding="utf-8", errors="surrogatepass", check=True)
        answers = [json.loads(x) for x in r.stdout.splitlines()]
        assert len(answers) == len(cs), r.stderr
        for (kind, toks), (status, value) in zip(cs, answers):
            lines.append("{%s, '%s', %s, LIT_%s, %s},\n" % (c_str(ver), kind, c_str("\x01".join(toks)),
                                                          status, c_str(value)))
    with open(OUT, "w", encoding="ascii") as f:
        f.write("".join(lines))
    print("gen_pyliteral_cases: %d cases x %d dialects -> %s" % (len(cs), len(DIALECTS), OUT))


if __name__ == "__main__":
    main()
