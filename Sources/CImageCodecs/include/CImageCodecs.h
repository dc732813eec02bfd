#pragma once
/* JPEG and PNG decoding into caller-visible RGB8 buffers. All setjmp/longjmp handling of
   libjpeg and libpng stays inside this C target: a longjmp must never cross Swift frames. */
#include <stddef.h>
#include <stdint.h>

/* libjpeg-turbo version the target was compiled against, e.g. 2001005. */
int imgcodecs_jpeg_version(void);
