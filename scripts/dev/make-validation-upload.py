#!/usr/bin/env python3
"""Builds a realistic 60-photo farm upload from FGrade photos of VALIDATION tomatoes only, to check
the grading policy's review rule on tomatoes the default model never trained on.

Usage: python3 scripts/dev/make-validation-upload.py FGRADE_TRAIN_DIR SPLIT_FILE OUT_DIR

Ten lots of six photos, each photo of a different validation tomato (the split file's
`validation` lines): three lots of FGrade classes 0-1 (Premium), three of 2-4 (Grade I), two of
5-7 (Grade II), one of 8-9 (Reject) and one mixed lot (any class), as farms sort before
uploading. Photo bytes are copied unchanged. Deterministic (fixed seed): re-running gives the
same upload. Writes OUT_DIR/manifest.csv, and OUT_DIR.sources.csv beside it (photo -> FGrade file).
"""
import csv
import os
import random
import shutil
import sys

fgrade, split_file, out = sys.argv[1:4]
validation = [line.split("\t")[1].strip() for line in open(split_file, encoding="utf-8")
              if line.startswith("validation\t")]
by_class = {c: sorted(p for p in validation if p.startswith(f"{c}/")) for c in range(10)}


def tomato(path):
    name = os.path.basename(path)
    letters = os.path.splitext(name)[0].rstrip("0123456789")
    return letters or "#"


LOTS = [[0, 1]] * 3 + [[2, 3, 4]] * 3 + [[5, 6, 7]] * 2 + [[8, 9]] + [list(range(10))]
rng = random.Random(1)
os.makedirs(out, exist_ok=False)
manifest, sources = [], []
for number, classes in enumerate(LOTS, start=1):
    lot = f"VAL-{number:02d}"
    used = set()
    pool = [p for c in classes for p in by_class[c]]
    rng.shuffle(pool)
    picked = []
    for path in pool:
        if tomato(path) not in used:
            used.add(tomato(path))
            picked.append(path)
        if len(picked) == 6:
            break
    farm = f"farm-{number:02d}"
    os.makedirs(os.path.join(out, farm))
    for index, path in enumerate(picked, start=1):
        name = f"{farm}/IMG_{number:02d}{index:02d}.jpg"
        shutil.copyfile(os.path.join(fgrade, path), os.path.join(out, name))
        manifest.append([name, lot, f"VN-VAL-{number:02d}", farm, "tomato", "2026-11-10"])
        sources.append([name, path])
with open(os.path.join(out, "manifest.csv"), "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["file", "lot_code", "origin_code", "farm_id", "crop", "harvest_date"])
    w.writerows(manifest)
with open(out.rstrip("/") + ".sources.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["file", "fgrade_source"])
    w.writerows(sources)
print(f"wrote {out}: {len(manifest)} photos in {len(LOTS)} lots")
