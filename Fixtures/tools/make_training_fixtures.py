#!/usr/bin/env python3
"""Makes Fixtures/training/fgrade-mini: 3 photos per FGrade class (one each of three tomatoes that
appear in every class), downscaled to 70x50 and re-encoded as JPEG (quality 90), so training tests
run on real photos in seconds. Deterministic: the tomatoes are the first three letter prefixes
(sorted) present in all ten classes, and for each the first file (sorted) in each class.

Usage: python3 Fixtures/tools/make_training_fixtures.py <FGrade train folder>
"""
import os
import re
import sys

from PIL import Image

src = sys.argv[1]
out = os.path.join(os.path.dirname(__file__), "..", "training", "fgrade-mini")
classes = sorted(d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d)))


def prefix(name):
    return re.match(r"[A-Za-z]*", name).group(0)


per_class = {c: sorted(os.listdir(os.path.join(src, c))) for c in classes}
common = sorted(set.intersection(*[{prefix(n) for n in names if prefix(n)} for names in per_class.values()]))
tomatoes = common[:3]
for c in classes:
    os.makedirs(os.path.join(out, c), exist_ok=True)
    for t in tomatoes:
        name = next(n for n in per_class[c] if prefix(n) == t)
        with Image.open(os.path.join(src, c, name)) as im:
            im.convert("RGB").resize((70, 50), Image.BOX).save(os.path.join(out, c, name), quality=90)
print("tomatoes:", tomatoes)
