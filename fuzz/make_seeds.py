#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/<target>/ from the repository's own vectors.

Sources: the token, entry, segment, checkpoint and key vectors of docs/LOG_FORMAT.md, the
examples/*/spec.json and ballots.jsonl files, the result snapshot of tests/snapshots, and
roll CSVs in the shape tests/service_*.rs upload. Deterministic; run it from anywhere:

    python3 fuzz/make_seeds.py

The fuzzer adds its own finds to the same directories while it runs (`cargo fuzz run`
writes new coverage there); only the files named below are meant to be committed, see
fuzz/README.md.
"""

import base64
import hashlib
import json
import os
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")


def read(*path):
    with open(os.path.join(ROOT, *path), "rb") as f:
        return f.read()


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def unique_lines(*path, limit=None):
    seen, out = set(), []
    for line in read(*path).splitlines():
        if line and line not in seen:
            seen.add(line)
            out.append(line)
    return b"\n".join(out[:limit]) + b"\n"


# ---- vectors from docs/LOG_FORMAT.md ----

TOKEN_TEXT = (
    "07MG2000V000G40R4V0M30E209G185GR38E71YAVFYG3ZG688DKC604RNWQ1A3MNGKW1F3QDY1BRXVHQGYMQ48"
    "VEM4QCR5WRQSR44CKW720NQ1033PBMX0RTRSSMKX5KH9F208E3NQH50DEAQBNMG1G75"
)
GENESIS = bytes.fromhex("0c64806f65daee10df8b09e72ec6ac2a79b7ad14429c5358db820e7de356f3c2")
ENTRY = bytes.fromhex(
    "01020c64806f65daee10df8b09e72ec6ac2a79b7ad14429c5358db820e7de356f3c2000000107b22636f6e"
    "74657374223a226431227d"
)
SEGMENT_HEADER = bytes.fromhex("5343525554534547000000010000000000000000")
LOG_VERIFIER = "scrutineer/example-2026+90b1e9c4+AYqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/N0iAG0D29c"
CHECKPOINT_TEXT = "scrutineer/example-2026\n1\nMlOqzQtfQNnAHkV/GNmjVWfD6GCiZxqMCsOg7+Jmgco=\n"
CHECKPOINT_NOTE = (
    CHECKPOINT_TEXT
    + "\n\u2014 scrutineer/example-2026 kLHpxAfi/oS1UsEHwLXwIG2chpfErElkgGrpTEKFw3giwo89cfIt"
    "MoMMCP1K1gIypHDVL0rQzrkZJdblHMbTz8bxeQY=\n"
)

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def token_bytes(text):
    """The 85 bytes of a token text: drop every 9th (check) character, base32-decode."""
    data = "".join(text[i : i + 8] for i in range(0, len(text), 9))
    bits = "".join(format(CROCKFORD.index(c), "05b") for c in data)
    return bytes(int(bits[i : i + 8], 2) for i in range(0, len(bits), 8))


def entry(kind, prev, body):
    body = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return bytes([1, kind]) + prev + struct.pack(">I", len(body)) + body


def frame(e):
    return struct.pack(">I", len(e)) + e + hashlib.sha256(e).digest()[:4]


def leaf(e):
    return hashlib.sha256(b"\x00" + e).digest()


# ---- token ----
assert token_bytes(TOKEN_TEXT)[0] == 1 and len(token_bytes(TOKEN_TEXT)) == 85
write("token", "vector.txt", TOKEN_TEXT)
write("token", "vector-display.txt", " ".join(TOKEN_TEXT[i : i + 9] for i in range(0, 153, 9)))
write(
    "token",
    "vector-typed.txt",
    "-".join(TOKEN_TEXT[i : i + 9] for i in range(0, 153, 9)).lower().replace("0", "o") + "\n",
)
write("token", "vector.bin", token_bytes(TOKEN_TEXT))

# ---- entry ----
ballot_line = {"contest": "committee", "marks": {"c1": "for", "c8": "against"}, "write_ins": ["钱进"]}
ballot_entry = entry(
    3,
    leaf(ENTRY),
    {"token": base64.b64encode(token_bytes(TOKEN_TEXT)).decode(), "ballots": [ballot_line]},
)
snapshot = read("tests", "snapshots", "cli__npc_direct_round_1.snap").decode()
result_doc = json.loads(snapshot.split("\n---\n", 1)[1])
result_entry = entry(8, leaf(ballot_entry), {"contests": ["d017"], "covers_size": 2, "result": result_doc})
write("entry", "contest-opened.bin", ENTRY)
write("entry", "ballot.bin", ballot_entry)
write(
    "entry",
    "pool-registered.bin",
    entry(4, GENESIS, {"style": 0, "round": 1, "count": 150, "commitment": hashlib.sha256(b"x").hexdigest()}),
)
write("entry", "result.bin", result_entry)
write("entry", "segment.bin", SEGMENT_HEADER + frame(ENTRY) + frame(ballot_entry))

# ---- note ----
seed_key = base64.b64encode(b"\x01" + bytes([1] * 32)).decode()
write("note", "checkpoint.note", CHECKPOINT_NOTE)
write("note", "checkpoint.txt", CHECKPOINT_TEXT)
write("note", "checkpoint-ext.txt", CHECKPOINT_TEXT + "extension line\n")
write("note", "verifier.key", LOG_VERIFIER)
write("note", "signer.key", "PRIVATE+KEY+scrutineer/example-2026+90b1e9c4+" + seed_key)

# ---- spec, ballots, tally ----
EXAMPLES = [
    ("township", "township-party-congress", "spec.json", "ballots.jsonl"),
    ("evaluation", "democratic-evaluation", "spec.json", "ballots.jsonl"),
    ("npc", "npc-direct-constituency", "spec.json", "ballots.jsonl"),
    ("npc-runoff", "npc-direct-constituency", "runoff-spec.json", "runoff-ballots.jsonl"),
]
for name, example, spec, ballots in EXAMPLES:
    spec_bytes = read("examples", example, spec)
    lines = unique_lines("examples", example, ballots)
    write("spec", name + ".json", spec_bytes)
    write("ballots", name + ".jsonl", lines)
    write("tally", name + ".bin", spec_bytes + b"\x00" + unique_lines("examples", example, ballots, limit=6))
write("ballots", "formats-md.jsonl", json.dumps(ballot_line, ensure_ascii=False) + "\n\n" + json.dumps(ballot_line) + "\r\n")

# ---- roll ----
write(
    "roll",
    "party.csv",
    "姓名,党员编号,选举单位,出生日期,政治权利,党员类别\n"
    "王一,P001,一支部,1980-01-01,是,正式\n"
    "李二,P002,一支部,2008-07-15,是,预备\n"
    "张三,P003,二支部,1975-12-31,否,正式\n",
)
write(
    "roll",
    "public-bom.csv",
    "\ufeff姓名,身份证号,选区,出生日期,备注\r\n"
    "王一,V1,一区,1980-01-01,\r\n"
    "\"李,二\",V2,一区,1981-02-29,\"a;b；c\"\r\n"
    ",,,,\r\n",
)
write(
    "roll",
    "english.csv",
    "Name,Number,Unit,Birth_Date,Rights,Membership,Flags\n"
    "\"Wang \"\"Yi\"\"\",N1,district 1,2000-02-29,yes,full,\n"
    "Li Er,N2,district 1,,no,none,distinct_person\n"
    "Zhang San,N2,district 2,1990-06-01,TRUE,probationary,x\n",
)
