#pragma once
// HarfBuzz positions the label font's glyphs: advances plus the font's GPOS kerning and mark
// placement (Noto Sans has no legacy `kern` table, so FreeType alone cannot kern it). Only the
// core API: HarfBuzz reads the font bytes itself, so no FreeType type crosses into this module.
#include <hb.h>
