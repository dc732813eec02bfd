// The header's function is static inline; this file exists because SwiftPM builds a C target from its sources.
#include "CMemoryHints.h"
