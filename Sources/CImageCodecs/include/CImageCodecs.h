#pragma once
/* JPEG and PNG decoding/encoding over libjpeg-turbo and libpng.

   Why this C target exists: both libraries report errors by longjmp-ing out of the failing call,
   and a longjmp must never cross Swift frames. Every setjmp lives in this target's functions; the
   Swift side only sees a status code, header fields and the library's message. */
#include <stddef.h>
#include <stdint.h>

/* Status codes shared by every function below. */
enum {
    IMGCODECS_OK = 0,
    IMGCODECS_ERROR = 1,           /* the library rejected the data; `message` says why */
    IMGCODECS_TRUNCATED = 2,       /* the data ended early (libjpeg itself only warns about this) */
    IMGCODECS_CORRUPT = 3,         /* libjpeg warned that entropy-coded data is corrupt */
    IMGCODECS_TOO_MANY_PIXELS = 4, /* header dimensions exceed the caller's limit; nothing allocated */
    IMGCODECS_OUT_OF_MEMORY = 5,
    IMGCODECS_BAD_ARGUMENT = 6,
};

/* Colour model of the compressed data. */
enum {
    IMGCODECS_COLOR_GRAY = 1,
    IMGCODECS_COLOR_RGB = 2,        /* JPEG: YCbCr or RGB */
    IMGCODECS_COLOR_CMYK = 3,
    IMGCODECS_COLOR_YCCK = 4,
    IMGCODECS_COLOR_PALETTE = 5,    /* PNG only */
    IMGCODECS_COLOR_GRAY_ALPHA = 6, /* PNG only */
    IMGCODECS_COLOR_RGB_ALPHA = 7,  /* PNG only */
    IMGCODECS_COLOR_OTHER = 8,
};

#define IMGCODECS_MESSAGE_LENGTH 200

/* ---- JPEG: open (header only) -> read (pixels) -> close ---- */

typedef struct imgcodecs_jpeg imgcodecs_jpeg;

typedef struct {
    int width, height;          /* stored size from the header, before scaling or orientation */
    int components;             /* components in the compressed data */
    int color;                  /* IMGCODECS_COLOR_* */
    int progressive;            /* progressive (multi-scan) file */
    int adobe_inverted;         /* Adobe APP14 present: CMYK/YCCK samples are stored inverted */
    const uint8_t *exif;        /* EXIF TIFF payload (after "Exif\0\0"), owned by the handle, or NULL */
    size_t exif_length;
    int warnings;               /* tolerated libjpeg warnings (e.g. extraneous bytes before a marker) */
    char message[IMGCODECS_MESSAGE_LENGTH]; /* library message when a call fails */
} imgcodecs_jpeg_info;

/* Reads the header only (markers up to the first scan; no pixel buffers) and keeps the EXIF
   APP1 payload. On failure *handle is NULL and info->message says why. */
int imgcodecs_jpeg_open(const uint8_t *data, size_t size, imgcodecs_jpeg **handle, imgcodecs_jpeg_info *info);

/* Output size when decoding at 1/scale_denom (1, 2, 4 or 8): ceil(stored / scale_denom). */
int imgcodecs_jpeg_output_size(imgcodecs_jpeg *handle, int scale_denom, int *width, int *height);

/* Decodes at 1/scale_denom into the caller's RGB8 buffer of exactly out_w*out_h*3 bytes.
   Rejects stored width*height above max_pixels before allocating. Grayscale is replicated
   to RGB; CMYK/YCCK is converted to RGB (inverted samples first un-inverted when Adobe
   APP14 says so). Strict: a premature end of data or a corrupt-data warning is a failure.
   `data` must still be the buffer given to open. Call at most once per handle. */
int imgcodecs_jpeg_read(imgcodecs_jpeg *handle, int scale_denom, uint64_t max_pixels,
                        uint8_t *out, size_t out_capacity, imgcodecs_jpeg_info *info);

void imgcodecs_jpeg_close(imgcodecs_jpeg *handle);

/* ---- PNG ---- */

typedef struct {
    int width, height;
    int bit_depth;              /* 1, 2, 4, 8 or 16 */
    int color;                  /* IMGCODECS_COLOR_* */
    int interlaced;
    int has_transparency;       /* alpha channel or tRNS chunk */
    char message[IMGCODECS_MESSAGE_LENGTH];
} imgcodecs_png_info;

/* Reads the signature and the chunks before the image data (IHDR, PLTE, tRNS, ...). */
int imgcodecs_png_probe(const uint8_t *data, size_t size, imgcodecs_png_info *info);

/* Decodes every colour type and bit depth into the caller's RGB8 buffer of width*height*3 bytes:
   palette and low-bit gray expanded by bit replication, 16-bit samples scaled as
   (v * 255 + 32895) >> 16 (= round(v * 255 / 65535)), gray replicated to R=G=B, and alpha (channel
   or tRNS) composited over white as (c*a + 255*(255-a) + 127) / 255 on the 8-bit values.
   No gamma or colour-profile conversion. The file must be complete up to IEND. */
int imgcodecs_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                         uint8_t *out, size_t out_capacity, imgcodecs_png_info *info);

/* Row by row decoding of a non-interlaced PNG with the same conversions as imgcodecs_png_decode:
   memory is one row, whatever the height. open reads the header (refusing width*height above
   max_pixels, and interlaced files, whose rows arrive in seven passes); read_rows decodes the next
   `rows` rows into `out` (rows*width*3 bytes) and, after the last row, checks the file up to IEND.
   After a failed read the handle only accepts close. */
typedef struct imgcodecs_png imgcodecs_png;
int imgcodecs_png_open(const uint8_t *data, size_t size, uint64_t max_pixels, imgcodecs_png **handle,
                       imgcodecs_png_info *info);
int imgcodecs_png_read_rows(imgcodecs_png *handle, uint8_t *out, size_t rows, imgcodecs_png_info *info);
void imgcodecs_png_close(imgcodecs_png *handle);

/* Encodes RGB8 rows (width*3 bytes each, no padding) as an 8-bit RGB non-interlaced PNG.
   *out is malloc'ed with *out_size bytes; free with imgcodecs_free. */
int imgcodecs_png_encode_rgb(const uint8_t *pixels, int width, int height, int compression_level,
                             uint8_t **out, size_t *out_size, char message[IMGCODECS_MESSAGE_LENGTH]);

void imgcodecs_free(void *pointer);

/* libjpeg-turbo version the target was compiled against, e.g. 2001005. */
int imgcodecs_jpeg_version(void);
/* libpng version string of the linked library, e.g. "1.6.39". */
const char *imgcodecs_png_version(void);
