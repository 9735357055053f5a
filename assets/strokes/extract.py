#!/usr/bin/env python3
"""Extract stroke sequences (笔顺, five stroke types) from the npm package cnchar-order.

Writes the table used by ``src/rules/hanzi.rs`` for 姓氏笔画 order
(``assets/strokes/stroke-order.txt``); see ``assets/strokes/README.md``.

Usage:
    npm pack cnchar-order@3.2.6          # downloads cnchar-order-3.2.6.tgz
    python3 assets/strokes/extract.py cnchar-order-3.2.6.tgz \\
        [assets/unihan/unihan-hanzi.txt] [assets/strokes/stroke-order.txt]

The first argument is the package tarball as ``npm pack`` saves it (or the
package's ``cnchar.order.min.js`` itself). The second is the stroke-count
table of ``assets/unihan/`` (Unihan kTotalStrokes): a sequence is kept only
if it has exactly that many strokes, so the module can rely on
``len(sequence) == total strokes``. The third is the output.

cnchar-order carries, for each character, a string of letters, one letter per
stroke, and a table naming the stroke of each letter (横, 竖钩, 横折折撇, ...).
Each stroke is reduced to the five types of the 笔画序 rule (GB13000.1字符集
汉字字序(笔画序)规范; the same classes as the 姓氏笔画 convention), written as
digits:

    1 横 (一), with 提
    2 竖 (丨), with 竖钩
    3 撇 (丿)
    4 点 (丶), with 捺 (and cnchar's second dot form "点2")
    5 折 (乛), every turning or hooked stroke except 竖钩

The reduction goes by the stroke *names* in the package's own table, not by
its letters, and the script stops on a name it does not know, on a letter
without a name, or on a literal it cannot read, so a new package version
cannot be misread silently. OVERRIDES corrects a few characters whose
sequence in the package contradicts the package's own sequences of the
character's components (each one is asserted to still have the value it
was checked against).

Output (UTF-8, LF line endings, sorted by code point): a few ``#`` header
lines, then one line per character: ``HEX<TAB>digits``.

Standard library only; Python 3.8+. Same inputs, byte-identical output.
"""

import io
import json
import os
import re
import sys
import tarfile

PACKAGE = "cnchar-order"
MEMBER = "package/cnchar.order.min.js"

# CJK Unified Ideographs blocks that are kept (inclusive bounds), as in
# assets/unihan/extract.py.
RANGES = [
    (0x3400, 0x4DBF),  # CJK Unified Ideographs Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs (URO)
]

# Stroke names of the package's letter table -> stroke type digit. A letter
# may name two shapes ("横撇|横钩"); both must map to the same digit.
CLASSES = {
    "横": "1",
    "提": "1",
    "竖": "2",
    "竖钩": "2",
    "撇": "3",
    "点": "4",
    "点2": "4",
    "捺": "4",
    "横折": "5",
    "横折钩": "5",
    "横折提": "5",
    "横折折": "5",
    "横折弯": "5",
    "横折折撇": "5",
    "横折折折": "5",
    "横折折折钩": "5",
    "横撇": "5",
    "横钩": "5",
    "横撇弯钩": "5",
    "横斜钩": "5",
    "竖提": "5",
    "竖弯": "5",
    "竖弯钩": "5",
    "竖折撇": "5",
    "竖折折": "5",
    "竖折折钩": "5",
    "撇折": "5",
    "撇点": "5",
    "弯钩": "5",
    "斜钩": "5",
    "卧钩": "5",
}

# Corrections: character -> (digits as the package gives them, corrected
# digits, why). Each correction composes the character from components whose
# sequences the package itself gives (and agrees with the GB13000.1 stroke
# order as circulated in other tables).
OVERRIDES = {
    "炽": ("433425144", "433425134", "火 4334 + 只 25134"),
    "皙": ("123433122511", "1234331232511", "析 12343312 + 白 32511 (13 strokes)"),
    "锺": ("31115312511121", "31115312511211", "钅 31115 + 重 312511211"),
    "德": ("332132522114544", "332122522114544", "彳 332 + 十 12 + 罒 25221 + 一 1 + 心 4544"),
    "鲺": ("3525121151251214", "3525121153251214", "鱼 35251211 + 虱 53251214"),
    "膝": ("351112343424144", "351112343424134", "月 3511 + 桼 as in 漆 44+12343424134"),
    "黏": ("31234342414421251", "31234342413421251", "黍 312343424134 + 占 21251"),
    "撅": ("121134315133534", "121134315233534", "扌 121 + 厥 134315233534"),
    "媾": ("5311122125121", "5311122125211", "女 531 + 冓 1122125211 as in 篝 遘 觏"),
}


def in_ranges(cp):
    return any(lo <= cp <= hi for lo, hi in RANGES)


def read_script(source):
    """Return (package version or None, text of cnchar.order.min.js)."""
    if os.path.isfile(source) and tarfile.is_tarfile(source):
        with tarfile.open(source, "r:gz") as tf:
            js = tf.extractfile(MEMBER)
            meta = tf.extractfile("package/package.json")
            if js is None or meta is None:
                sys.exit("%s: no %s or package/package.json" % (source, MEMBER))
            package = json.loads(meta.read().decode("utf-8"))
            if package.get("name") != PACKAGE:
                sys.exit("%s is not the %s package" % (source, PACKAGE))
            if package.get("license") != "MIT":
                sys.exit("%s: license is %r, not MIT" % (source, package.get("license")))
            return package.get("version"), js.read().decode("utf-8")
    with io.open(source, encoding="utf-8") as f:
        return None, f.read()


def json_literals(script):
    """The objects of the script's JSON.parse('...') literals."""
    literals = re.findall(r"JSON\.parse\('([^']*)'\)", script)
    out = []
    for lit in literals:
        if "\\" in lit:
            sys.exit("a JSON literal has an escape; this script does not read those")
        out.append(json.loads(lit))
    return out


def letter_digits(letters):
    """Map each stroke letter of the package to its digit."""
    digits = {}
    for letter, info in letters.items():
        names = info.get("name", "").split("|")
        got = set()
        for name in names:
            if name not in CLASSES:
                sys.exit("unknown stroke name %r for letter %r" % (name, letter))
            got.add(CLASSES[name])
        if len(got) != 1:
            sys.exit("letter %r names strokes of different types: %r" % (letter, names))
        digits[letter] = got.pop()
    return digits


def read_counts(path):
    counts = {}
    with io.open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            fields = line.rstrip("\n").split("\t")
            counts[int(fields[0], 16)] = int(fields[1])
    return counts


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    source = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    counts_path = (
        sys.argv[2]
        if len(sys.argv) > 2
        else os.path.join(here, "..", "unihan", "unihan-hanzi.txt")
    )
    output = sys.argv[3] if len(sys.argv) > 3 else os.path.join(here, "stroke-order.txt")

    version, script = read_script(source)
    objects = json_literals(script)
    # The letter table is the object whose values are dicts with a "name".
    letters = [o for o in objects if o and all(isinstance(v, dict) for v in o.values())]
    orders = [o for o in objects if o and all(isinstance(v, str) for v in o.values())]
    if len(letters) != 1 or len(orders) != 1:
        sys.exit("expected one letter table and one order table, got %d and %d"
                 % (len(letters), len(orders)))
    digits = letter_digits(letters[0])
    counts = read_counts(counts_path)

    table = {}
    skipped_range = 0
    for ch, seq in orders[0].items():
        if len(ch) != 1:
            sys.exit("key %r is not one character" % ch)
        cp = ord(ch)
        if not in_ranges(cp):
            skipped_range += 1
            continue
        unknown = set(seq) - set(digits)
        if unknown or not seq:
            sys.exit("%s: letters without a stroke name: %r" % (ch, sorted(unknown)))
        table[cp] = "".join(digits[x] for x in seq)

    for ch, (was, fixed, why) in sorted(OVERRIDES.items()):
        got = table.get(ord(ch))
        if got != was:
            sys.exit("override for %s expects %r from the package, found %r" % (ch, was, got))
        if len(fixed) != counts.get(ord(ch)):
            sys.exit("override for %s has %d strokes, the count table %r"
                     % (ch, len(fixed), counts.get(ord(ch))))
        table[ord(ch)] = fixed

    dropped = []
    for cp in sorted(table):
        if counts.get(cp) != len(table[cp]):
            dropped.append("%s U+%04X: %d strokes in the package, %r in Unihan"
                           % (chr(cp), cp, len(table[cp]), counts.get(cp)))
            del table[cp]

    lines = [
        "# Stroke sequences (5 stroke types: 1 横 2 竖 3 撇 4 点 5 折), derived from the",
        "# npm package %s %s, (c) 2017-present theajack, MIT License (see"
        % (PACKAGE, version or "(version unknown)"),
        "# assets/strokes/README.md). MODIFIED by Scrutineer: stroke names reduced to the",
        "# five types, %d corrections, only characters whose stroke count is Unihan's;" % len(OVERRIDES),
        "# format HEX<TAB>digits. Generated by assets/strokes/extract.py.",
    ]
    for cp in sorted(table):
        lines.append("%04X\t%s" % (cp, table[cp]))
    with io.open(output, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")

    for d in dropped:
        print("dropped (stroke count differs): " + d, file=sys.stderr)
    print("%s %s: wrote %d sequences to %s (%d outside the ranges, %d dropped, %d corrected)"
          % (PACKAGE, version, len(table), output, skipped_range, len(dropped), len(OVERRIDES)))


if __name__ == "__main__":
    main()
