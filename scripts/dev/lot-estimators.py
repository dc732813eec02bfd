#!/usr/bin/env python3
"""Compares lot estimators on simulated lots of photos a model never trained on (developers only).

Input: `agritrace classify --json` output for held-out FGrade photos (the class folder in each
file's path is its true class), e.g. run E's validation photos:
    grep -P '^validation\t' Benchmarks/baselines/fgrade_split_seed1.txt | cut -f2 | sed "s|^|$FGRADE/|" > val.txt
    agritrace classify --model E.agmodel --json $(cat val.txt) > val.jsonl
    python3 scripts/dev/lot-estimators.py val.jsonl 400
Lots: 5 to 14 photos; 60 % all of one grade group, 40 % with up to a quarter of the next worse
group. A lot's true grade is the default policy's rules applied to its photos' true grades.
Prints, per estimator and hold threshold, the share of lots held and the share of released
lots whose grade is right. `lot_posterior` here is the same algorithm as
Sources/Grading/LotDecision.swift (its random numbers differ).
"""
import json, random, sys
import numpy as np

GROUP = [0, 0, 1, 1, 1, 2, 2, 2, 3, 3]          # FGrade classes -> Premium, Grade I, Grade II, Reject
RULES = [(0, 9000, 200), (1, 8500, 500), (2, 7000, 1000)]
OTHERWISE = 3
TARGET = 0.85    # released lots in the right grade, as the default policy states

def rule(amounts):
    total = sum(amounts)
    if total <= 0: return OTHERWISE
    for grade, least, most in RULES:
        if sum(amounts[:grade + 1]) * 10000 >= least * total and amounts[3] * 10000 <= most * total: return grade
    return OTHERWISE

def expected_shares(bps, draws=4096, seed=1):
    grade = rule([sum(p[g] for p in bps) for g in range(4)])
    rs = np.random.default_rng(seed)
    cum = np.array(bps).cumsum(axis=1)
    u = rs.integers(0, 10000, size=(draws, len(bps), 1))
    z = np.minimum((u >= cum[None]).sum(axis=2), 3)
    agree = sum(rule(np.bincount(row, minlength=4)) == grade for row in z)
    return grade, agree / draws

def lot_posterior(bps, chains=64, burn=16, sampled=48, seed=1):
    rs = np.random.default_rng(seed)
    B = np.array(bps, dtype=np.int64); n = len(B); every = np.arange(chains)
    cum = B.cumsum(axis=1)
    z = np.minimum((rs.integers(0, 10000, size=(chains, n))[:, :, None] >= cum[None]).sum(axis=2), 3)
    counts = np.stack([np.bincount(z[c], minlength=4) for c in range(chains)])
    answers = np.zeros(4, int)
    for sweep in range(burn + sampled):
        for i in range(n):
            counts[every, z[:, i]] -= 1
            w = ((2 * counts + 1) * B[i][None]).cumsum(axis=1)
            r = (rs.random(chains) * w[:, -1]).astype(np.int64)
            g = np.minimum((r[:, None] >= w).sum(axis=1), 3)
            z[:, i] = g; counts[every, g] += 1
        if sweep >= burn:
            for c in counts: answers[rule(c)] += 1
    grade = max(range(4), key=lambda g: (answers[g], g))
    return grade, answers[grade] / answers.sum()

def main():
    photos = []
    for line in open(sys.argv[1]):
        row = json.loads(line)
        bp = [0] * 4
        for c, p in enumerate(row["probabilities"]): bp[GROUP[c]] += int(p * 10000)
        photos.append((GROUP[int(row["file"].split("/")[-2])], bp))
    by_group = {g: [p for p in photos if p[0] == g] for g in range(4)}
    rng = random.Random(7)
    lots = []
    for _ in range(int(sys.argv[2]) if len(sys.argv) > 2 else 400):
        n, g = rng.randint(5, 14), rng.randrange(4)
        k = rng.randint(1, max(1, n // 4)) if rng.random() >= 0.6 else 0
        members = [rng.choice(by_group[g]) for _ in range(n - k)] + [rng.choice(by_group[min(g + 1, 3) if g < 3 else 2]) for _ in range(k)]
        lots.append((rule(np.bincount([m[0] for m in members], minlength=4)), [m[1] for m in members]))
    # Balanced class sampling implies a grade prior proportional to the grade's class count; this
    # variant divides it out (likelihood = probability / prior). It graded fewer lots right.
    classes = np.bincount(GROUP, minlength=4)
    def lot_posterior_over_prior(bps):
        return lot_posterior([[int(b * 10000 / classes[g] / 10) for g, b in enumerate(bp)] for bp in bps])
    for name, estimate in [("expected_shares", expected_shares), ("lot_posterior", lot_posterior),
                           ("lot_posterior, grade prior divided out", lot_posterior_over_prior)]:
        results = [(estimate(bps), truth) for truth, bps in lots]
        right = np.mean([g == truth for (g, _), truth in results])
        low = np.mean([g > truth for (g, _), truth in results])
        cells = []
        for hold in [0.5, 0.6, 0.7, 0.8, 0.9]:
            released = [g == truth for (g, c), truth in results if c >= hold]
            cells.append(f"<{hold:.0%}: held {1 - len(released) / len(results):.0%}, released right {np.mean(released) if released else float('nan'):.1%}")
        print(f"{name}: right {right:.1%} (one or more grades low {low:.1%}); " + "; ".join(cells), flush=True)
        # The lowest hold threshold (whole percent) at which the lots released are right at least
        # TARGET of the time: how the default policy's hold_when_lot_confidence_below_bp is chosen.
        for percent in range(50, 100):
            released = [g == truth for (g, c), truth in results if c >= percent / 100]
            if released and np.mean(released) >= TARGET:
                print(f"  lowest threshold with released lots right >= {TARGET:.0%}: {percent} % "
                      f"(held {1 - len(released) / len(results):.1%}, released right {np.mean(released):.1%})")
                break

main()
