#!/usr/bin/env python3
"""Print AnsiTerm's Unicode 11 width tables (pasted into web/core/charwidth.js).

Widths come from Python's unicodedata (general category, East Asian width),
restricted to the characters assigned by Unicode 12.1 (the age data Perl ships
in unicore/To/Age.pl): that is the data xterm.js's "Unicode 11" width addon
was built from, and the reference AnsiTerm is tested against.
"""
import re
import sys
import unicodedata

AGE_FILE = "/usr/share/perl/5.36.0/unicore/To/Age.pl"
MAX_AGE = (12, 1)
# East Asian Width gives these unassigned planes W by default.
DEFAULT_WIDE = [(0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),
                (0x20000, 0x2FFFD), (0x30000, 0x3FFFD)]
# Properties that changed after Unicode 12.1 (Python's data is newer).
AS_OF_12_1 = {0x1734: 0, 0x1F93B: 2, 0x1F946: 2}


def assigned_by_unicode_11(path):
    ages = bytearray(0x110000)
    body = open(path).read().split("<<'END';", 1)[1]
    for line in body.splitlines():
        m = re.match(r"^([0-9A-F]+)\t([0-9A-F]*)\t(\d+)\.(\d+)", line)
        if not m:
            continue
        lo = int(m.group(1), 16)
        hi = int(m.group(2), 16) if m.group(2) else lo
        if (int(m.group(3)), int(m.group(4))) <= MAX_AGE:
            ages[lo:hi + 1] = b"\x01" * (hi - lo + 1)
    return ages


def width(cp, old):
    if cp == 0:
        return 1
    if cp in AS_OF_12_1:
        return AS_OF_12_1[cp]
    in_default_wide = any(lo <= cp <= hi for lo, hi in DEFAULT_WIDE)
    if not old[cp]:
        return 2 if in_default_wide else 1
    ch = chr(cp)
    cat = unicodedata.category(ch)
    if cat == "Cn":
        return 2 if in_default_wide else 1
    if cat in ("Mn", "Me", "Cf") and cp != 0x00AD or 0x1160 <= cp <= 0x11FF:
        return 0
    if unicodedata.east_asian_width(ch) in ("W", "F") or in_default_wide:
        return 2
    return 1


def ranges(old, want):
    out, start = [], None
    for cp in range(0x300, 0x110000):
        hit = width(cp, old) == want
        if hit and start is None:
            start = cp
        elif not hit and start is not None:
            out.append((start, cp - 1))
            start = None
    if start is not None:
        out.append((start, 0x10FFFF))
    return out


def main():
    old = assigned_by_unicode_11(sys.argv[1] if len(sys.argv) > 1 else AGE_FILE)
    for name, want in (("ZERO_WIDTH_RANGES", 0), ("WIDE_RANGES", 2)):
        flat = []
        for lo, hi in ranges(old, want):
            flat += [lo, hi]
        body = ",".join("0x%x" % v for v in flat)
        print("const %s = [%s];" % (name, body))


main()
