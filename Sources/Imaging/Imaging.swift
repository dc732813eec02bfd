// Decoding and preprocessing of produce photos; filled in by the foundation work.
import CImageCodecs
