# Characters assigned in recent Unicode versions.  repr() keeps a
# character only if the running Python's Unicode databa# form feeds separate sections (they are whitespace to Python)

def first():
    return 1

def second():
    return 'literal form feed -><- inside a string'

ESCAPED = 'escaped form feed \x0c and \f stay escapes'
ral form feed -><- insidc a string'

ESCAPED = 'escaped form feed \x0c andE_14 = '🫠 🫶'
UNICODE_15 = '🩷 🪼'
UNICODE_15_1 = '⿼ 𮯰'
ESCAPED_FORM = ''''Module docstring in single-quote triple quotes.

It spans several l�ines.
'''


def one_line()\U0001fad0\U0001fae0\U0001fa77\u2ffc'


def icons():
    return :
    """One line docstring."""


def multi_line():
    """Summary line.

    Details that are indented
        and more inde"""f-strings that every version from 3.8 parses."""
inted.
    """
    return 1


mport datetime

name = "world"
width = 10
precision = 3
value = 3.14159
items = {"key": [1, 2, 3]}

BASIC = f"hello {name}"
CONVERSIONS = [f"{name!r}", f"{name!s}", f"{name!a}", f"{'é'!a}"]
FORMAT_SPECS = [f"{value:.2f}", f"{value:10.4}", f"{value:>{width}}", f"{value:{width}.{precision}}",
                f"{42:#x}"def not_a_docs, f"{42tr