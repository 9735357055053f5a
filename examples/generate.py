#!/usr/bin/env python3
"""Writes the example election specs and ballot files.

The ballots are built from the target counts written below, so every figure that
`scrutineer tally` prints for these examples can be checked by hand against this file and
RULES.md. Deterministic: no randomness. Run from the repository root:

    python3 examples/generate.py
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def write(path, spec=None, ballots=None):
    full = os.path.join(HERE, path)
    if spec is not None:
        with open(full, "w", encoding="utf-8") as f:
            json.dump(spec, f, ensure_ascii=False, indent=2)
            f.write("\n")
    if ballots is not None:
        with open(full, "w", encoding="utf-8") as f:
            for b in ballots:
                f.write(json.dumps(b, ensure_ascii=False, separators=(",", ":")) + "\n")


def candidate_ballots(contest, n_valid, seats, votes_for, against=None, extra=None):
    """n_valid ballots; candidate c gets votes_for[c] 'for' marks and against[c] 'against'
    marks, spread so that no ballot has more than `seats` marks in favour."""
    against = against or {}
    ballots = [{"contest": contest, "marks": {}} for _ in range(n_valid)]
    load = [0] * n_valid
    for cid, k in sorted(votes_for.items(), key=lambda kv: -kv[1]):
        order = sorted(range(n_valid), key=lambda i: (load[i], i))
        chosen = [i for i in order if load[i] < seats][:k]
        assert len(chosen) == k, (cid, k)
        for i in chosen:
            ballots[i]["marks"][cid] = "for"
            load[i] += 1
    for cid, k in against.items():
        free = [i for i in range(n_valid) if cid not in ballots[i]["marks"]]
        assert len(free) >= k, (cid, k)
        for i in free[:k]:
            ballots[i]["marks"][cid] = "against"
    for b in ballots:
        b["write_ins"] = []
    return ballots + (extra or [])


def township_party_congress():
    committee = [("c1", "王建国"), ("c2", "李秀英"), ("c3", "张伟"), ("c4", "刘洋"),
                 ("c5", "陈静"), ("c6", "杨帆"), ("c7", "赵磊"), ("c8", "黄丽")]
    discipline = [("d1", "周明"), ("d2", "吴敏"), ("d3", "徐强"), ("d4", "孙丽")]
    spec = {
        "format": "scrutineer.election/v1",
        "id": "qingshan-party-congress-2026",
        "title": "青山镇第十六次党代会 (示例 example)",
        "contests": [
            {
                "id": "committee", "title": "镇党委委员", "kind": "party_committee", "seats": 7,
                "candidates": [{"id": i, "name": n} for i, n in committee],
                "turnout": {"eligible": 150, "present": 142, "ballots_issued": 142},
                "overrides": {"min_surplus": 1,
                              "basis": "县委组织部换届选举工作意见: 委员 7 名的差额 1 名 (seed 003)"},
            },
            {
                "id": "discipline", "title": "镇纪委委员", "kind": "discipline_committee", "seats": 3,
                "candidates": [{"id": i, "name": n} for i, n in discipline],
                "turnout": {"eligible": 150, "present": 142, "ballots_issued": 142},
            },
        ],
    }
    # committee: 140 valid ballots + 2 over-marked (8 marks for 7 seats) = 142 returned.
    c_votes = {"c1": 139, "c2": 133, "c3": 128, "c4": 120, "c5": 111, "c6": 99, "c7": 90, "c8": 60}
    c_against = {"c8": 50, "c7": 20}
    over = [{"contest": "committee", "marks": {i: "for" for i, _ in committee}, "write_ins": []}
            for _ in range(2)]
    ballots = candidate_ballots("committee", 140, 7, c_votes, c_against, over)
    # One voter votes 不赞成 for 黄丽 and writes in 钱进 instead (BER Art. 25): valid.
    for b in ballots:
        if b["marks"].get("c8") == "against" and sum(1 for m in b["marks"].values() if m == "for") < 7:
            b["write_ins"] = ["钱进"]
            break
    # discipline: 142 valid ballots; 徐强 and 孙丽 tie on 80 for the last seat.
    d_votes = {"d1": 130, "d2": 118, "d3": 80, "d4": 80}
    ballots += candidate_ballots("discipline", 142, 3, d_votes, {"d3": 30, "d4": 31})
    write("township-party-congress/spec.json", spec=spec)
    write("township-party-congress/ballots.jsonl", ballots=ballots)


def npc_direct():
    cands = [("n1", "王芳"), ("n2", "李强"), ("n3", "张军")]
    spec = {
        "format": "scrutineer.election/v1",
        "id": "hexi-county-npc-2026-d017",
        "title": "河西县第十七选区县人大代表选举 (示例 example)",
        "contests": [
            {
                "id": "d017", "title": "第十七选区县人大代表", "kind": "npc_direct", "seats": 2,
                "candidates": [{"id": i, "name": n} for i, n in cands],
                "turnout": {"eligible": 1200, "present": 1090, "ballots_issued": 1090},
            }
        ],
    }
    # 1,085 valid ballots + 5 with three marks in favour for two seats (void).
    votes = {"n1": 700, "n2": 540, "n3": 500}
    over = [{"contest": "d017", "marks": {"n1": "for", "n2": "for", "n3": "for"}, "write_ins": []}
            for _ in range(5)]
    ballots = candidate_ballots("d017", 1085, 2, votes, {"n2": 200, "n3": 250}, over)
    # 30 voters write in 赵敏 (另选他人) next to at most one other mark in favour.
    done = 0
    for b in ballots:
        if done == 30:
            break
        if b["contest"] == "d017" and sum(1 for m in b["marks"].values() if m == "for") <= 1:
            b["write_ins"] = ["赵敏"]
            done += 1
    assert done == 30
    write("npc-direct-constituency/spec.json", spec=spec)
    write("npc-direct-constituency/ballots.jsonl", ballots=ballots)

    # The runoff (另行选举) for the one unfilled seat: 1 seat ⇒ 2 candidates (EL Art. 45).
    runoff = {
        "format": "scrutineer.election/v1",
        "id": "hexi-county-npc-2026-d017",
        "title": "河西县第十七选区县人大代表另行选举 (示例 example)",
        "contests": [
            {
                "id": "d017-r1", "title": "第十七选区另行选举", "kind": "npc_direct", "seats": 1,
                "parent": "d017", "runoff_reason": "shortfall",
                "candidates": [{"id": "n2", "name": "李强"}, {"id": "n3", "name": "张军"}],
                "turnout": {"eligible": 1200, "present": 1010, "ballots_issued": 1010},
            }
        ],
    }
    rb = candidate_ballots("d017-r1", 1010, 1, {"n2": 520, "n3": 470}, {"n2": 10})
    write("npc-direct-constituency/runoff-spec.json", spec=runoff)
    write("npc-direct-constituency/runoff-ballots.jsonl", ballots=rb)


def evaluation():
    subjects = [("s1", "张明 (乡长)"), ("s2", "李华 (副乡长)"), ("s3", "王刚 (副乡长)")]
    groups = [("leaders", "分管领导", 20, 5), ("staff", "干部职工", 40, 30), ("panel", "考核组", 40, 5)]
    # counts per group per subject: [优秀, 称职, 基本称职, 不称职]
    counts = {
        "leaders": {"s1": [4, 1, 0, 0], "s2": [2, 3, 0, 0], "s3": [0, 2, 2, 1]},
        "staff": {"s1": [20, 8, 2, 0], "s2": [10, 15, 4, 1], "s3": [5, 12, 9, 4]},
        "panel": {"s1": [3, 2, 0, 0], "s2": [1, 3, 1, 0], "s3": [0, 2, 2, 1]},
    }
    grades = ["excellent", "competent", "basic", "incompetent"]
    spec = {
        "format": "scrutineer.election/v1",
        "id": "qingshan-evaluation-2026",
        "title": "青山镇领导干部年度民主测评 (示例 example)",
        "contests": [
            {
                "id": "eval", "title": "领导干部民主测评", "kind": "evaluation", "seats": 1,
                "scale": "individual",
                "subjects": [{"id": i, "name": n} for i, n in subjects],
                "groups": [{"id": g, "title": t, "weight": w} for g, t, w, _ in groups],
                "turnout": {"eligible": 42, "present": 40, "ballots_issued": 40},
            }
        ],
        "rankings": [
            {
                "id": "deputy-post", "title": "副乡长竞争上岗综合排名",
                "subjects": [{"id": "s2", "name": "李华"}, {"id": "s3", "name": "王刚"}],
                "components": [
                    {"id": "exam", "title": "理论测试", "weight": 60, "scores": {"s2": "82", "s3": "91.5"}},
                    {"id": "eval", "title": "民主测评", "weight": 40, "evaluation": "eval"},
                ],
                "tie_break": {"key": "近三年考核优秀票平均得票率",
                              "scores": {"s2": "0.62", "s3": "0.55"}},
            }
        ],
    }
    ballots = []
    for g, _, _, n in groups:
        rows = [{"contest": "eval", "group": g, "ratings": {}} for _ in range(n)]
        for sid, _ in subjects:
            seq = [grades[k] for k in range(4) for _ in range(counts[g][sid][k])]
            assert len(seq) == n
            for i, grade in enumerate(seq):
                rows[i]["ratings"][sid] = grade
        ballots += rows
    write("democratic-evaluation/spec.json", spec=spec)
    write("democratic-evaluation/ballots.jsonl", ballots=ballots)


def rated_score():
    """Village cadres scored 0-100 by three weighted groups (RULES.md section 3, local
    practice): 分管领导 20%, 村民代表 40%, 考核组 40%; with more than 5 raters in a group
    the highest and the lowest score are dropped; a score below 60 is flagged."""
    subjects = [("c1", "赵村长"), ("c2", "钱会计"), ("c3", "孙主任")]
    # Scores per group, per subject, one per rater (None: left unscored).
    scores = {
        "lead": {"c1": [92, 88], "c2": [70, 66], "c3": [58, 61]},
        "reps": {"c1": [95, 90, 88, 85, 100, 60, 87],
                 "c2": [75, 72, 40, 78, 80, 74, None],
                 "c3": [55, 62, 58, 30, 57, 90, 59]},
        "panel": {"c1": [90, 91, 89], "c2": [72, 70, 71], "c3": [60, 58, 57]},
    }
    spec = {
        "format": "scrutineer.election/v1",
        "id": "qingshan-village-scores-2026",
        "title": "青山村干部年度考核打分 (示例 example)",
        "contests": [{
            "id": "scores", "title": "村干部考核打分", "kind": "evaluation", "scale": "score",
            "score_max": 100, "drop_extremes": True, "triggers": {"score_below": "60"},
            "subjects": [{"id": i, "name": n} for i, n in subjects],
            "groups": [{"id": "lead", "title": "分管领导", "weight": "20"},
                       {"id": "reps", "title": "村民代表", "weight": "40"},
                       {"id": "panel", "title": "考核组", "weight": "40"}],
            "turnout": {"eligible": 12, "present": 12, "ballots_issued": 12},
        }],
    }
    ballots = []
    for g, per in scores.items():
        n = len(next(iter(per.values())))
        for i in range(n):
            row = {"contest": "scores", "group": g, "scores": {}}
            for sid, _ in subjects:
                v = per[sid][i]
                if v is not None:
                    row["scores"][sid] = v
            ballots.append(row)
    write("rated-score-evaluation/spec.json", spec=spec)
    write("rated-score-evaluation/ballots.jsonl", ballots=ballots)


if __name__ == "__main__":
    township_party_congress()
    npc_direct()
    evaluation()
    rated_score()
