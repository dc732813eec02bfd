#pragma once
// FreeType rasterises the label font's glyphs (outline -> 8-bit coverage).
#include <ft2build.h>
#include FT_FREETYPE_H
