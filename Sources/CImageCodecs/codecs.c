#include "CImageCodecs.h"
#include <stdio.h>
#include <jpeglib.h>

int imgcodecs_jpeg_version(void) { return LIBJPEG_TURBO_VERSION_NUMBER; }
