#!/usr/bin/env python3
"""Extract stroke counts and Mandarin readings from Unicode's Unihan database.

Writes the compact table used by ``src/rules/hanzi.rs``
(``assets/unihan/unihan-hanzi.txt``).

Usage:
    python3 assets/unihan/extract.py [SOURCE] [OUTPUT]

SOURCE is either a directory holding ``Unihan_IRGSources.txt`` and
``Unihan_Readings.txt`` (plain or ``.bz2``-compressed, as shipped by Debian's
``unicode-data`` package in ``/usr/share/unicode``), or a ``Unihan.zip`` as
published by Unicode. Default: ``/usr/share/unicode``.
OUTPUT defaults to ``unihan-hanzi.txt`` next to this script.

Output format (UTF-8, LF line endings, sorted by code point):
    - a few header lines starting with ``#`` (copyright and modification notice);
    - one line per code point: ``HEX<TAB>strokes<TAB>reading``
      HEX      upper-case hexadecimal code point without ``U+`` (e.g. ``738B``)
      strokes  first value of kTotalStrokes (the zh-Hans / PRC count), 1..=255
      reading  first value of kMandarin with tone marks removed, lower-case
               ASCII only; ``ü`` is written ``v`` (the usual pinyin input
               convention); may be empty when Unihan has no kMandarin.

Only code points that have kTotalStrokes are written, and only those in the
ranges listed in RANGES. The output depends only on the input files: running
the script twice on the same Unihan release gives byte-identical output.

Standard library only; Python 3.8+.
"""

import bz2
import io
import os
import re
import sys
import unicodedata
import zipfile

# CJK Unified Ideographs blocks that are extracted (inclusive bounds).
RANGES = [
    (0x3400, 0x4DBF),  # CJK Unified Ideographs Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs (URO)
]

FILES = ("Unihan_IRGSources.txt", "Unihan_Readings.txt")
FIELDS = ("kTotalStrokes", "kMandarin")


def in_ranges(cp):
    return any(lo <= cp <= hi for lo, hi in RANGES)


def open_sources(source):
    """Yield (file name, text) for each Unihan file in FILES."""
    if os.path.isfile(source) and zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as zf:
            for name in FILES:
                yield name, zf.read(name).decode("utf-8")
        return
    for name in FILES:
        plain = os.path.join(source, name)
        packed = plain + ".bz2"
        if os.path.exists(plain):
            with io.open(plain, encoding="utf-8") as f:
                yield name, f.read()
        elif os.path.exists(packed):
            with bz2.open(packed, "rt", encoding="utf-8") as f:
                yield name, f.read()
        else:
            sys.exit("missing %s (or %s.bz2) in %s" % (name, name, source))


def toneless(reading):
    """Strip pinyin tone marks: 'wáng' -> 'wang', 'lǜ' -> 'lv', 'ḿ' -> 'm'."""
    out = []
    for ch in unicodedata.normalize("NFD", reading.lower()):
        if unicodedata.combining(ch):
            # U+0308 COMBINING DIAERESIS after 'u' is the umlaut of 'ü'.
            if ch == "\u0308" and out and out[-1] == "u":
                out[-1] = "v"
            continue
        out.append(ch)
    text = "".join(out)
    if not re.fullmatch(r"[a-z]+", text):
        sys.exit("unexpected kMandarin reading %r -> %r" % (reading, text))
    return text


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/unicode"
    here = os.path.dirname(os.path.abspath(__file__))
    output = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "unihan-hanzi.txt")

    strokes = {}
    readings = {}
    versions = set()
    copyrights = set()
    for name, text in open_sources(source):
        for line in text.splitlines():
            if line.startswith("#"):
                m = re.match(r"#\s*Unicode version:\s*(\S+)", line)
                if m:
                    versions.add(m.group(1))
                if re.match(r"#\s*©", line):
                    copyrights.add(line.lstrip("# ").strip())
                continue
            parts = line.split("\t")
            if len(parts) != 3 or parts[1] not in FIELDS:
                continue
            cp = int(parts[0][2:], 16)
            if not in_ranges(cp):
                continue
            first = parts[2].split(" ")[0]
            if parts[1] == "kTotalStrokes":
                value = int(first)
                if not 1 <= value <= 255:
                    sys.exit("stroke count out of range at %s: %r" % (parts[0], parts[2]))
                strokes[cp] = value
            else:
                readings[cp] = toneless(first)

    if len(versions) != 1:
        sys.exit("expected one Unicode version in the headers, got %r" % sorted(versions))
    version = versions.pop()
    if len(copyrights) != 1:
        sys.exit("expected one copyright line in the headers, got %r" % sorted(copyrights))
    copyright_line = copyrights.pop()

    lines = [
        "# Derived from the Unicode Character Database (Unihan), Unicode %s." % version,
        "# %s See data/README.md for the license." % copyright_line,
        "# MODIFIED by Scrutineer: extracted fields kTotalStrokes (first value) and",
        "# kMandarin (first value, tone marks removed, u-umlaut as 'v') for",
        "# U+%s; format HEX<TAB>strokes<TAB>reading. Generated by data/extract.py."
        % ", U+".join("%04X..U+%04X" % r for r in RANGES),
    ]
    for cp in sorted(strokes):
        lines.append("%04X\t%d\t%s" % (cp, strokes[cp], readings.get(cp, "")))

    with io.open(output, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")

    without_reading = sum(1 for cp in strokes if cp not in readings)
    reading_only = sum(1 for cp in readings if cp not in strokes)
    print(
        "Unicode %s: wrote %d entries to %s (%d without kMandarin; "
        "%d with kMandarin but no kTotalStrokes, skipped)"
        % (version, len(strokes), output, without_reading, reading_only)
    )


if __name__ == "__main__":
    main()
