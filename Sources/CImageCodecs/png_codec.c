/* libpng decoding and encoding with every longjmp confined to this file. */
#include "CImageCodecs.h"
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>

/* Ancillary chunks (iCCP, zTXt, ...) are decompressed into memory; cap them so a small file
   cannot expand into gigabytes. Pixel data is bounded separately by max_pixels. */
#define MAX_CHUNK_BYTES (8u << 20)

typedef struct {
    const uint8_t *data;
    size_t size, position;
    int truncated;
    char message[IMGCODECS_MESSAGE_LENGTH];
} png_source;

static void on_png_error(png_structp png, png_const_charp message) {
    png_source *source = png_get_error_ptr(png);
    snprintf(source->message, sizeof source->message, "%s", message);
    png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp message) {
    (void)png; (void)message;   /* warnings (bad ancillary chunks) leave the pixels intact */
}

static void read_from_memory(png_structp png, png_bytep out, size_t length) {
    png_source *source = png_get_io_ptr(png);
    if (length > source->size - source->position) {
        source->truncated = 1;
        png_error(png, "read beyond end of data");
    }
    memcpy(out, source->data + source->position, length);
    source->position += length;
}

static int color_of(int color_type) {
    switch (color_type) {
    case PNG_COLOR_TYPE_GRAY: return IMGCODECS_COLOR_GRAY;
    case PNG_COLOR_TYPE_RGB: return IMGCODECS_COLOR_RGB;
    case PNG_COLOR_TYPE_PALETTE: return IMGCODECS_COLOR_PALETTE;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return IMGCODECS_COLOR_GRAY_ALPHA;
    case PNG_COLOR_TYPE_RGB_ALPHA: return IMGCODECS_COLOR_RGB_ALPHA;
    default: return IMGCODECS_COLOR_OTHER;
    }
}

static void fill_info(png_structp png, png_infop info_ptr, imgcodecs_png_info *info) {
    info->width = (int)png_get_image_width(png, info_ptr);
    info->height = (int)png_get_image_height(png, info_ptr);
    info->bit_depth = png_get_bit_depth(png, info_ptr);
    int color_type = png_get_color_type(png, info_ptr);
    info->color = color_of(color_type);
    info->interlaced = png_get_interlace_type(png, info_ptr) != PNG_INTERLACE_NONE;
    info->has_transparency = (color_type & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, info_ptr, PNG_INFO_tRNS);
}

static int begin(png_source *source, png_structp *png, png_infop *info_ptr) {
    *png = png_create_read_struct(PNG_LIBPNG_VER_STRING, source, on_png_error, on_png_warning);
    if (!*png) return IMGCODECS_OUT_OF_MEMORY;
    *info_ptr = png_create_info_struct(*png);
    if (!*info_ptr) { png_destroy_read_struct(png, NULL, NULL); return IMGCODECS_OUT_OF_MEMORY; }
    png_set_read_fn(*png, source, read_from_memory);
    png_set_chunk_malloc_max(*png, MAX_CHUNK_BYTES);
    return IMGCODECS_OK;
}

int imgcodecs_png_probe(const uint8_t *data, size_t size, imgcodecs_png_info *info) {
    memset(info, 0, sizeof *info);
    if (!data || size == 0) { snprintf(info->message, sizeof info->message, "empty input"); return IMGCODECS_BAD_ARGUMENT; }
    png_source source = {data, size, 0, 0, {0}};
    png_structp png; png_infop info_ptr;
    int status = begin(&source, &png, &info_ptr);
    if (status != IMGCODECS_OK) return status;
    if (setjmp(png_jmpbuf(png))) {
        memcpy(info->message, source.message, sizeof info->message);
        png_destroy_read_struct(&png, &info_ptr, NULL);
        return source.truncated ? IMGCODECS_TRUNCATED : IMGCODECS_ERROR;
    }
    png_read_info(png, info_ptr);
    fill_info(png, info_ptr, info);
    png_destroy_read_struct(&png, &info_ptr, NULL);
    return IMGCODECS_OK;
}

static uint8_t over_white(unsigned c, unsigned a) {
    return (uint8_t)((c * a + 255u * (255u - a) + 127u) / 255u);
}

/* The transforms to 8-bit RGB or RGBA documented in CImageCodecs.h; then checks the row layout
   and returns the channel count (3 or 4). */
static int set_transforms(png_structp png, png_infop info_ptr, const imgcodecs_png_info *info) {
    int color_type = png_get_color_type(png, info_ptr);
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && info->bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info_ptr, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (info->bit_depth == 16) png_set_scale_16(png);
    if (!(color_type & PNG_COLOR_MASK_COLOR)) png_set_gray_to_rgb(png);
    if (info->interlaced) png_set_interlace_handling(png);
    png_read_update_info(png, info_ptr);
    int channels = png_get_channels(png, info_ptr);
    if ((channels != 3 && channels != 4) || png_get_rowbytes(png, info_ptr) != (size_t)info->width * channels)
        png_error(png, "unexpected row layout after transforms");
    return channels;
}

static void composite_row(const uint8_t *rgba, size_t width, uint8_t *out) {
    for (size_t i = 0; i < width; i++) {
        unsigned a = rgba[4 * i + 3];
        out[3 * i] = over_white(rgba[4 * i], a);
        out[3 * i + 1] = over_white(rgba[4 * i + 1], a);
        out[3 * i + 2] = over_white(rgba[4 * i + 2], a);
    }
}

int imgcodecs_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                         uint8_t *out, size_t out_capacity, imgcodecs_png_info *info) {
    memset(info, 0, sizeof *info);
    if (!data || size == 0 || !out) { snprintf(info->message, sizeof info->message, "empty input"); return IMGCODECS_BAD_ARGUMENT; }
    png_source source = {data, size, 0, 0, {0}};
    png_structp png; png_infop info_ptr;
    int status = begin(&source, &png, &info_ptr);
    if (status != IMGCODECS_OK) return status;
    uint8_t *volatile rgba = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        memcpy(info->message, source.message, sizeof info->message);
        free(rgba);
        free(rows);
        png_destroy_read_struct(&png, &info_ptr, NULL);
        return source.truncated ? IMGCODECS_TRUNCATED : IMGCODECS_ERROR;
    }
    png_read_info(png, info_ptr);
    fill_info(png, info_ptr, info);
    size_t width = (size_t)info->width, height = (size_t)info->height;
    if ((uint64_t)width * height > max_pixels) {
        snprintf(info->message, sizeof info->message, "%zu x %zu pixels exceeds the limit of %llu",
                 width, height, (unsigned long long)max_pixels);
        png_destroy_read_struct(&png, &info_ptr, NULL);
        return IMGCODECS_TOO_MANY_PIXELS;
    }
    if (out_capacity != width * height * 3) {
        png_destroy_read_struct(&png, &info_ptr, NULL);
        return IMGCODECS_BAD_ARGUMENT;
    }
    int channels = set_transforms(png, info_ptr, info);

    rows = malloc(height * sizeof(png_bytep));
    if (!rows) png_error(png, "out of memory");
    if (channels == 3) {
        for (size_t y = 0; y < height; y++) rows[y] = out + y * width * 3;
        png_read_image(png, rows);
    } else {
        rgba = malloc(width * height * 4);
        if (!rgba) png_error(png, "out of memory");
        for (size_t y = 0; y < height; y++) rows[y] = rgba + y * width * 4;
        png_read_image(png, rows);
        composite_row(rgba, width * height, out);
    }
    /* Reads the chunks after the image data up to IEND, so a cut-off file fails. */
    png_read_end(png, NULL);
    free(rgba);
    free(rows);
    png_destroy_read_struct(&png, &info_ptr, NULL);
    return IMGCODECS_OK;
}

struct imgcodecs_png {
    png_source source;          /* libpng's error and read callbacks point here: keep it in the heap */
    png_structp png;
    png_infop info;
    uint8_t *row;               /* one RGBA row before compositing; NULL for RGB */
    size_t width, height, next_row;
    int failed;
};

void imgcodecs_png_close(imgcodecs_png *handle) {
    if (!handle) return;
    free(handle->row);
    png_destroy_read_struct(&handle->png, &handle->info, NULL);
    free(handle);
}

int imgcodecs_png_open(const uint8_t *data, size_t size, uint64_t max_pixels, imgcodecs_png **handle,
                       imgcodecs_png_info *info) {
    *handle = NULL;
    memset(info, 0, sizeof *info);
    if (!data || size == 0) { snprintf(info->message, sizeof info->message, "empty input"); return IMGCODECS_BAD_ARGUMENT; }
    imgcodecs_png *h = calloc(1, sizeof *h);
    if (!h) return IMGCODECS_OUT_OF_MEMORY;
    h->source = (png_source){data, size, 0, 0, {0}};
    int status = begin(&h->source, &h->png, &h->info);
    if (status != IMGCODECS_OK) { free(h); return status; }
    if (setjmp(png_jmpbuf(h->png))) {
        memcpy(info->message, h->source.message, sizeof info->message);
        status = h->source.truncated ? IMGCODECS_TRUNCATED : IMGCODECS_ERROR;
        imgcodecs_png_close(h);
        return status;
    }
    png_read_info(h->png, h->info);
    fill_info(h->png, h->info, info);
    h->width = (size_t)info->width;
    h->height = (size_t)info->height;
    if ((uint64_t)h->width * h->height > max_pixels) {
        snprintf(info->message, sizeof info->message, "%zu x %zu pixels exceeds the limit of %llu",
                 h->width, h->height, (unsigned long long)max_pixels);
        imgcodecs_png_close(h);
        return IMGCODECS_TOO_MANY_PIXELS;
    }
    if (info->interlaced) {
        snprintf(info->message, sizeof info->message, "interlaced images cannot be read row by row");
        imgcodecs_png_close(h);
        return IMGCODECS_BAD_ARGUMENT;
    }
    if (set_transforms(h->png, h->info, info) == 4) {
        h->row = malloc(h->width * 4);
        if (!h->row) png_error(h->png, "out of memory");
    }
    *handle = h;
    return IMGCODECS_OK;
}

int imgcodecs_png_read_rows(imgcodecs_png *h, uint8_t *out, size_t rows, imgcodecs_png_info *info) {
    if (h->failed || rows > h->height - h->next_row || (!out && rows > 0)) return IMGCODECS_BAD_ARGUMENT;
    if (setjmp(png_jmpbuf(h->png))) {
        memcpy(info->message, h->source.message, sizeof info->message);
        h->failed = 1;
        return h->source.truncated ? IMGCODECS_TRUNCATED : IMGCODECS_ERROR;
    }
    for (size_t r = 0; r < rows; r++) {
        uint8_t *target = out + r * h->width * 3;
        if (h->row) {
            png_read_row(h->png, h->row, NULL);
            composite_row(h->row, h->width, target);
        } else {
            png_read_row(h->png, target, NULL);
        }
        h->next_row++;
    }
    /* After the last row, read the chunks up to IEND, so a cut-off file fails. */
    if (rows > 0 && h->next_row == h->height) png_read_end(h->png, NULL);
    return IMGCODECS_OK;
}

typedef struct {
    uint8_t *bytes;
    size_t size, capacity;
    int failed;
    char message[IMGCODECS_MESSAGE_LENGTH];
} png_sink;

static void write_to_memory(png_structp png, png_bytep data, size_t length) {
    png_sink *sink = png_get_io_ptr(png);
    if (sink->size + length > sink->capacity) {
        size_t capacity = sink->capacity ? sink->capacity : 4096;
        while (capacity < sink->size + length) capacity *= 2;
        uint8_t *grown = realloc(sink->bytes, capacity);
        if (!grown) png_error(png, "out of memory");
        sink->bytes = grown;
        sink->capacity = capacity;
    }
    memcpy(sink->bytes + sink->size, data, length);
    sink->size += length;
}

static void flush_nothing(png_structp png) { (void)png; }

static void on_png_write_error(png_structp png, png_const_charp message) {
    png_sink *sink = png_get_error_ptr(png);
    snprintf(sink->message, sizeof sink->message, "%s", message);
    png_longjmp(png, 1);
}

int imgcodecs_png_encode_rgb(const uint8_t *pixels, int width, int height, int compression_level,
                             uint8_t **out, size_t *out_size, char message[IMGCODECS_MESSAGE_LENGTH]) {
    *out = NULL;
    *out_size = 0;
    message[0] = 0;
    if (!pixels || width <= 0 || height <= 0) return IMGCODECS_BAD_ARGUMENT;
    png_sink sink = {NULL, 0, 0, 0, {0}};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink, on_png_write_error, on_png_warning);
    if (!png) return IMGCODECS_OUT_OF_MEMORY;
    png_infop info_ptr = png_create_info_struct(png);
    png_bytep *volatile rows = NULL;
    if (!info_ptr || setjmp(png_jmpbuf(png))) {
        snprintf(message, IMGCODECS_MESSAGE_LENGTH, "%s", sink.message);
        free(rows);
        free(sink.bytes);
        png_destroy_write_struct(&png, &info_ptr);
        return IMGCODECS_ERROR;
    }
    png_set_write_fn(png, &sink, write_to_memory, flush_nothing);
    png_set_compression_level(png, compression_level);
    png_set_IHDR(png, info_ptr, (png_uint_32)width, (png_uint_32)height, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info_ptr);
    rows = malloc((size_t)height * sizeof(png_bytep));
    if (!rows) png_error(png, "out of memory");
    for (int y = 0; y < height; y++) rows[y] = (png_bytep)(pixels + (size_t)y * width * 3);
    png_write_image(png, rows);
    png_write_end(png, NULL);
    free(rows);
    png_destroy_write_struct(&png, &info_ptr);
    *out = sink.bytes;
    *out_size = sink.size;
    return IMGCODECS_OK;
}

const char *imgcodecs_png_version(void) { return png_get_libpng_ver(NULL); }
