#!/usr/bin/env python3
"""Adds held-out photos of TRAINING tomatoes to a whole-tomato split, so one training run measures
both kinds of test the grading goals name: tomatoes never seen (the split's validation tomatoes)
and other photos of tomatoes trained on (FGrade's own test photos are other days of the same
tomatoes).

Usage: python3 scripts/dev/make-seen-photo-split.py WHOLE_TOMATO_SPLIT OUT_SPLIT OUT_SEEN_ONLY

From the `train` lines of WHOLE_TOMATO_SPLIT, 15 % of each class's photos (seeded, deterministic)
also become `validation` in OUT_SPLIT, which `agritrace train --split` reads. OUT_SEEN_ONLY marks
only those photos `validation`, for `agritrace eval --split`: their figures are the ones for
photos of trained tomatoes; WHOLE_TOMATO_SPLIT itself gives the unseen tomatoes' figures.
"""
import random
import sys

whole, out_split, out_seen = sys.argv[1:4]
rows = [line.rstrip("\n").split("\t") for line in open(whole, encoding="utf-8") if not line.startswith("#")]
random_source = random.Random(11)
by_class = {}
for side, photo in rows:
    if side == "train":
        by_class.setdefault(photo.split("/")[0], []).append(photo)
seen = set()
for label, photos in sorted(by_class.items()):
    seen.update(random_source.sample(sorted(photos), round(len(photos) * 0.15)))


def write(path, is_validation, comment):
    with open(path, "w", encoding="utf-8") as out:
        out.write("# agritrace split v1\n# data: train\n# " + comment + "\n")
        for side, photo in rows:
            out.write(("validation" if is_validation(side, photo) else "train") + "\t" + photo + "\n")


write(out_split, lambda side, photo: side == "validation" or photo in seen,
      "seed-1 whole-tomato split plus 15% of the other photos (random 11)")
write(out_seen, lambda side, photo: photo in seen, "seen part")
