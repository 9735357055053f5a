#!/usr/bin/env python3
"""Plots the scaling run of benches/county.rs (log-log) to benches/scaling.png.

    cargo bench --bench county            # writes target/county-scaling.csv
    python3 benches/plot.py [CSV] [PNG]   # needs matplotlib (pip install matplotlib)

Left: wall time of each operation against the number of ballots, with a dotted line of slope 1
(linear scaling) through the smallest point of each. Right: ballots per second beside the
baselines measured in the same run (fdatasync, Ed25519 batch and single verification).
"""

import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CSV = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "target", "county-scaling.csv")
PNG = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "scaling.png")

with open(CSV, newline="") as f:
    rows = [{k: float(v) for k, v in r.items()} for r in csv.DictReader(f)]
rows.sort(key=lambda r: r["ballots"])
n = [r["ballots"] for r in rows]

series = [
    ("cast (Ledger::cast, 64 threads, durable)", "cast_s", "tab:red"),
    ("token pool generation (signing)", "pool_s", "tab:orange"),
    ("verify export", "verify_s", "tab:blue"),
    ("Ledger::tally (read log, parse, count)", "ledger_tally_s", "tab:purple"),
    ("export", "export_s", "tab:brown"),
    ("rules::tally_election in memory", "engine_tally_s", "tab:green"),
]

fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5.2))
for label, key, colour in series:
    y = [max(r[key], 1e-5) for r in rows]
    left.loglog(n, y, "o-", color=colour, label=label)
    left.loglog(n, [y[0] * x / n[0] for x in n], ":", color=colour, linewidth=0.8)
left.set_xlabel("ballots")
left.set_ylabel("wall time (s)")
left.set_title("Time per operation (dotted: linear from the smallest run)")
left.grid(True, which="both", alpha=0.3)
left.legend(fontsize=8)

rates = [
    ("durable casts /s", "cast_per_s", "tab:red"),
    ("verify ballots/s", "verify_per_s", "tab:blue"),
    ("tally_election ballots/s", "engine_per_s", "tab:green"),
]
for label, key, colour in rates:
    right.loglog(n, [r[key] for r in rows], "o-", color=colour, label=label)
for label, key, style in [
    ("baseline: fdatasync /s", "fsync_per_s", "--"),
    ("baseline: Ed25519 batch verify /s", "ed25519_batch_per_s", "-."),
    ("baseline: Ed25519 single verify /s", "ed25519_single_per_s", ":"),
]:
    right.loglog(n, [r[key] for r in rows], style, color="grey", label=label)
right.set_xlabel("ballots")
right.set_ylabel("per second")
right.set_title("Rates beside the same-run baselines")
right.grid(True, which="both", alpha=0.3)
right.legend(fontsize=8, loc="center", bbox_to_anchor=(0.5, 0.64))

fig.suptitle("Scrutineer ledger scaling (benches/county.rs; 2 shared cores; read the ratios)")
fig.tight_layout()
fig.savefig(PNG, dpi=110)
print(f"wrote {PNG}")
