#!/usr/bin/env python3
"""Makes the JPEG fixtures in Fixtures/images from one FGrade photo (MIT, see Fixtures/README.md).

  photo.jpg                 the FGrade photo, copied unchanged (baseline, 4:2:0)
  photo-progressive.jpg     photo.jpg decoded and re-encoded progressive (Pillow, quality 90)
  photo-gray.jpg            grayscale re-encode
  photo-cmyk.jpg            CMYK re-encode (Pillow writes Adobe APP14, inverted samples)
  ycck-adobe.jpg, cmyk-plain.jpg   ink patches from make_cmyk_jpegs.c
  arithmetic.jpg            a 24x16 arithmetic-coded (SOF9) gradient (make_arithmetic_jpeg.c)
  many-scans.jpg            a valid 16x16 progressive JPEG with 631 scans (make_many_scans_jpeg.c)
  orientation-N.jpg         N = 1..8: the same upright 80x60 picture stored so that EXIF
                            orientation N turns it upright (quality 95, 4:4:4)
  orientation-upright.png   that upright picture, lossless: what every orientation-N.jpg must show
  jpeg-expected.tsv         per JPEG: size, colour model, and Pillow's decode (SHA-256 of RGB8 and
                            sample pixels) as an independent reference; for the ink patches the
                            RGB value of each patch from the CMYK formula.

Usage: make_jpeg_fixtures.py FGRADE_PHOTO.jpg
"""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

from PIL import Image, ImageOps

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "images")

# Pillow's exif_transpose method per orientation, and the inverse that makes the stored image.
TO_UPRIGHT = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
              4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
              6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90}
INVERSE = {Image.Transpose.ROTATE_270: Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_90: Image.Transpose.ROTATE_270}

PATCH_INK = [(0, 0, 0, 0), (255, 0, 0, 0), (0, 255, 0, 0), (0, 0, 255, 0),
             (0, 0, 0, 128), (64, 128, 192, 0), (200, 50, 0, 60), (30, 30, 30, 30)]


def ink_to_rgb(ink):
    c, m, y, k = ink
    return tuple(round((255 - v) * (255 - k) / 255) for v in (c, m, y))


def describe(name):
    im = Image.open(os.path.join(OUT, name))
    rgb = im.convert("RGB")   # Pillow un-inverts Adobe CMYK itself
    data = rgb.tobytes()
    w, h = rgb.size
    samples = []
    for x, y in ((0, 0), (w - 1, 0), (w // 2, h // 2), (w - 1, h - 1)):
        i = (y * w + x) * 3
        samples.append(f"{x},{y}={data[i:i + 3].hex()}")
    return f"{name}\t{w}\t{h}\t{im.mode}\t{hashlib.sha256(data).hexdigest()}\t{' '.join(samples)}"


def main():
    os.makedirs(OUT, exist_ok=True)
    shutil.copy(sys.argv[1], os.path.join(OUT, "photo.jpg"))
    photo = Image.open(sys.argv[1]).convert("RGB")
    photo.save(os.path.join(OUT, "photo-progressive.jpg"), quality=90, progressive=True)
    photo.convert("L").save(os.path.join(OUT, "photo-gray.jpg"), quality=90)
    photo.convert("CMYK").save(os.path.join(OUT, "photo-cmyk.jpg"), quality=90)

    with tempfile.TemporaryDirectory() as tmp:
        tool = os.path.join(tmp, "make_cmyk_jpegs")
        subprocess.run(["cc", "-O2", os.path.join(HERE, "make_cmyk_jpegs.c"), "-ljpeg", "-o", tool], check=True)
        subprocess.run([tool, OUT], check=True)
        tool = os.path.join(tmp, "make_many_scans_jpeg")
        subprocess.run(["cc", "-O2", os.path.join(HERE, "make_many_scans_jpeg.c"), "-ljpeg", "-o", tool], check=True)
        subprocess.run([tool, os.path.join(OUT, "many-scans.jpg")], check=True)
        tool = os.path.join(tmp, "make_arithmetic_jpeg")
        subprocess.run(["cc", "-O2", os.path.join(HERE, "make_arithmetic_jpeg.c"), "-ljpeg", "-o", tool], check=True)
        subprocess.run([tool, os.path.join(OUT, "arithmetic.jpg")], check=True)

    upright = photo.resize((80, 60), Image.Resampling.BOX)
    upright.save(os.path.join(OUT, "orientation-upright.png"))
    for n in range(1, 9):
        stored = upright if n == 1 else upright.transpose(INVERSE.get(TO_UPRIGHT[n], TO_UPRIGHT[n]))
        exif = Image.Exif()
        exif[0x0112] = n
        path = os.path.join(OUT, f"orientation-{n}.jpg")
        stored.save(path, quality=95, subsampling=0, exif=exif.tobytes())
        # Independent check that the file is right: Pillow's own orientation handling.
        shown = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
        assert shown.size == upright.size, (n, shown.size)
        diff = sum(abs(a - b) for a, b in zip(shown.tobytes(), upright.tobytes())) / len(upright.tobytes())
        assert diff < 3, (n, diff)

    names = ["photo.jpg", "photo-progressive.jpg", "photo-gray.jpg", "photo-cmyk.jpg",
             "ycck-adobe.jpg"]   # cmyk-plain.jpg: Pillow assumes Adobe inversion for every CMYK JPEG
    with open(os.path.join(OUT, "jpeg-expected.tsv"), "w") as f:
        f.write("# file\twidth\theight\tPillow mode\tsha256 of Pillow's RGB8 decode\tsample pixels x,y=rrggbb\n")
        for name in names:
            f.write(describe(name) + "\n")
        f.write("# ink patches (64x32, 16x16 each, row-major): expected RGB = round((255-ink)*(255-k)/255)\n")
        f.write("patches\t" + " ".join(bytes(ink_to_rgb(ink)).hex() for ink in PATCH_INK) + "\n")


if __name__ == "__main__":
    main()
