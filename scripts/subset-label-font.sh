#!/usr/bin/env bash
# Rebuilds the label fonts in Sources/Typesetting/Fonts from Debian's fonts-noto-core: Noto Sans
# Regular and Bold cut down to the Latin letters Vietnamese and English need (full Vietnamese:
# precomposed letters U+1EA0-1EF9, Ơ ơ Ư ư Đ đ, combining marks U+0300-036F), punctuation and ₫,
# keeping every OpenType layout feature (kerning, mark positioning). Hinting is dropped: labels are
# rasterised unhinted at 300 dpi. Needs Debian's fonts-noto-core and python3-fonttools; the exact
# versions used are in Sources/Typesetting/Fonts/README.md.
set -euo pipefail
source_dir=/usr/share/fonts/truetype/noto
out_dir="$(cd "$(dirname "$0")/.." && pwd)/Sources/Typesetting/Fonts"
for weight in Regular Bold; do
  /usr/bin/python3 -m fontTools.subset "$source_dir/NotoSans-$weight.ttf" \
    --unicodes="U+0020-007E,U+00A0-024F,U+0300-036F,U+1E00-1EFF,U+2000-206F,U+20AB,U+20AC,U+2116,U+2122,U+2212,U+25CC" \
    --layout-features='*' --name-IDs='*' --name-languages='*' --notdef-outline --no-hinting \
    --output-file="$out_dir/NotoSans-$weight.ttf"
done
sha256sum "$out_dir"/NotoSans-*.ttf
