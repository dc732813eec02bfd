#!/usr/bin/env python3
"""Copies PngSuite into Fixtures/pngsuite and writes expected.tsv: the RGB8 pixels each valid
file must decode to, derived with netpbm's pngtopam (not libpng's transforms) and
cross-checked against Pillow where Pillow reads the file without loss.

Expected-value rules (the decoder's documented behaviour):
  * every sample scaled to 8 bits as round(v * 255 / maxval) (low-bit gray replicates bits,
    16-bit becomes round(v / 257));
  * gray replicated to R = G = B;
  * alpha (channel or tRNS) composited over white: (c*a + 255*(255-a) + 127) // 255;
  * no gamma correction.

Usage: make_pngsuite_expected.py PNGSUITE_DIR   (PNGSUITE_DIR holds png/ and LICENSE)
"""
import hashlib
import os
import shutil
import subprocess
import sys

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "pngsuite")


def read_pam(data):
    header, rest = data.split(b"ENDHDR\n", 1)
    fields = dict(line.split(b" ", 1) for line in header.split(b"\n")[1:] if b" " in line)
    width, height = int(fields[b"WIDTH"]), int(fields[b"HEIGHT"])
    depth, maxval = int(fields[b"DEPTH"]), int(fields[b"MAXVAL"])
    size = 2 if maxval > 255 else 1
    count = width * height * depth
    samples = [int.from_bytes(rest[i * size:(i + 1) * size], "big") for i in range(count)]
    return width, height, depth, maxval, samples


def to8(v, maxval):
    return (v * 255 * 2 + maxval) // (2 * maxval)   # round(v * 255 / maxval), never a tie here


def over_white(c, a):
    return (c * a + 255 * (255 - a) + 127) // 255


def expected_rgb(path):
    pam = subprocess.run(["pngtopam", "-alphapam", path], check=True, capture_output=True).stdout
    width, height, depth, maxval, s = read_pam(pam)
    assert depth in (2, 4), (path, depth)
    out = bytearray()
    for i in range(width * height):
        px = [to8(v, maxval) for v in s[i * depth:(i + 1) * depth]]
        color, alpha = (px[:1] * 3 if depth == 2 else px[:3]), px[-1]
        out += bytes(over_white(c, alpha) for c in color)
    return width, height, bytes(out)


def pillow_rgb(path):
    """Pillow's view, only for 8-bit-or-less files (Pillow clips 16-bit gray)."""
    im = Image.open(path)
    if im.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "PA") or "16" in os.path.basename(path)[-6:]:
        return None
    rgba = im.convert("RGBA").tobytes()
    return bytes(over_white(rgba[i + k], rgba[i + 3]) for i in range(0, len(rgba), 4) for k in range(3))


def main():
    source = sys.argv[1]
    os.makedirs(OUT, exist_ok=True)
    shutil.copy(os.path.join(source, "LICENSE"), os.path.join(OUT, "LICENSE"))
    assert all(to8(v, 65535) == (v * 255 + 32895) >> 16 for v in range(65536))
    rows, agreed, compared = [], 0, 0
    for name in sorted(os.listdir(os.path.join(source, "png"))):
        path = os.path.join(source, "png", name)
        shutil.copy(path, os.path.join(OUT, name))
        if name.startswith("x"):
            continue   # corrupt on purpose; the tests expect every one to throw
        width, height, rgb = expected_rgb(path)
        pillow = pillow_rgb(path)
        if pillow is not None:
            compared += 1
            agreed += pillow == rgb
            if pillow != rgb:
                print("pngtopam and Pillow disagree:", name, file=sys.stderr)
        samples = []
        for x, y in ((0, 0), (width - 1, 0), (width // 2, height // 2), (width - 1, height - 1)):
            i = (y * width + x) * 3
            samples.append(f"{x},{y}={rgb[i:i + 3].hex()}")
        rows.append(f"{name}\t{width}\t{height}\t{hashlib.sha256(rgb).hexdigest()}\t{' '.join(samples)}")
    with open(os.path.join(OUT, "expected.tsv"), "w") as f:
        f.write("# file\twidth\theight\tsha256 of RGB8 pixels\tsample pixels x,y=rrggbb (see Fixtures/tools/make_pngsuite_expected.py)\n")
        f.write("\n".join(rows) + "\n")
    print(f"{len(rows)} valid files; Pillow agrees on {agreed} of {compared} it can read losslessly")


if __name__ == "__main__":
    main()
