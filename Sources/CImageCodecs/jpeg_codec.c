/* libjpeg-turbo decoding with every longjmp confined to this file. */
#include "CImageCodecs.h"
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

/* A progressive file may carry any number of scans; each re-walks the coefficient buffer, so a
   crafted file with thousands of tiny scans would take minutes. libjpeg-turbo's TurboJPEG API
   uses the same limit (TJFLAG_LIMITSCANS). */
#define MAX_SCANS 500

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    int status;
    int warnings;
    char message[IMGCODECS_MESSAGE_LENGTH];
} error_manager;

struct imgcodecs_jpeg {
    struct jpeg_decompress_struct cinfo;
    error_manager err;
    struct jpeg_progress_mgr progress;
    uint8_t *exif;
    size_t exif_length;
    int used;
};

static void fail_with(j_common_ptr cinfo, int status) {
    error_manager *err = (error_manager *)cinfo->err;
    err->status = status;
    (*cinfo->err->format_message)(cinfo, err->message);
    longjmp(err->jump, 1);
}

static void on_error_exit(j_common_ptr cinfo) { fail_with(cinfo, IMGCODECS_ERROR); }

/* libjpeg only *warns* about truncated or corrupt entropy data and fills the rest of the image
   with gray. For grading that silently produces a wrong photo, so those warnings fail the
   decode. Warnings that leave the pixels intact (extraneous bytes before a marker, odd JFIF
   versions, Adobe transform quirks, bad ICC) are counted and tolerated. */
static void on_emit_message(j_common_ptr cinfo, int level) {
    if (level >= 0) return;   /* trace messages */
    error_manager *err = (error_manager *)cinfo->err;
    switch (cinfo->err->msg_code) {
    case JWRN_JPEG_EOF:
        fail_with(cinfo, IMGCODECS_TRUNCATED);
        break;
    case JWRN_HIT_MARKER:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_MUST_RESYNC:
    case JWRN_NOT_SEQUENTIAL:
    case JWRN_BOGUS_PROGRESSION:
#ifdef D_ARITH_CODING_SUPPORTED
    case JWRN_ARITH_BAD_CODE:
#endif
        fail_with(cinfo, IMGCODECS_CORRUPT);
        break;
    default:
        err->warnings++;
        break;
    }
}

static void on_output_message(j_common_ptr cinfo) { (void)cinfo; /* never print to stderr */ }

static void on_progress(j_common_ptr cinfo) {
    j_decompress_ptr d = (j_decompress_ptr)cinfo;
    if (d->input_scan_number > MAX_SCANS) {
        error_manager *err = (error_manager *)cinfo->err;
        err->status = IMGCODECS_ERROR;
        snprintf(err->message, sizeof err->message, "more than %d scans in a progressive JPEG", MAX_SCANS);
        longjmp(err->jump, 1);
    }
}

static int color_of(J_COLOR_SPACE space) {
    switch (space) {
    case JCS_GRAYSCALE: return IMGCODECS_COLOR_GRAY;
    case JCS_YCbCr: case JCS_RGB: return IMGCODECS_COLOR_RGB;
    case JCS_CMYK: return IMGCODECS_COLOR_CMYK;
    case JCS_YCCK: return IMGCODECS_COLOR_YCCK;
    default: return IMGCODECS_COLOR_OTHER;
    }
}

static void keep_exif(imgcodecs_jpeg *h) {
    static const uint8_t prefix[6] = {'E', 'x', 'i', 'f', 0, 0};
    for (jpeg_saved_marker_ptr m = h->cinfo.marker_list; m; m = m->next) {
        if (m->marker != JPEG_APP0 + 1 || m->data_length <= 6 || memcmp(m->data, prefix, 6) != 0) continue;
        h->exif_length = m->data_length - 6;
        h->exif = malloc(h->exif_length);
        if (h->exif) memcpy(h->exif, m->data + 6, h->exif_length);
        else h->exif_length = 0;
        return;   /* the first EXIF block wins, as in every viewer */
    }
}

static void fill_info(const imgcodecs_jpeg *h, imgcodecs_jpeg_info *info) {
    const struct jpeg_decompress_struct *c = &h->cinfo;
    info->width = (int)c->image_width;
    info->height = (int)c->image_height;
    info->components = c->num_components;
    info->color = color_of(c->jpeg_color_space);
    /* Progressive, or sequential in several scans: either way libjpeg buffers the whole image.
       The call only reads; libjpeg's API is not const-correct. */
    info->progressive = jpeg_has_multiple_scans((j_decompress_ptr)c) ? 1 : 0;
    info->adobe_inverted = c->saw_Adobe_marker ? 1 : 0;
    info->exif = h->exif;
    info->exif_length = h->exif_length;
    info->warnings = h->err.warnings;
}

int imgcodecs_jpeg_open(const uint8_t *data, size_t size, imgcodecs_jpeg **handle, imgcodecs_jpeg_info *info) {
    memset(info, 0, sizeof *info);
    *handle = NULL;
    if (!data || size == 0) {
        snprintf(info->message, sizeof info->message, "empty input");
        return IMGCODECS_BAD_ARGUMENT;
    }
    imgcodecs_jpeg *h = calloc(1, sizeof *h);
    if (!h) return IMGCODECS_OUT_OF_MEMORY;
    h->cinfo.err = jpeg_std_error(&h->err.pub);
    h->err.pub.error_exit = on_error_exit;
    h->err.pub.emit_message = on_emit_message;
    h->err.pub.output_message = on_output_message;
    if (setjmp(h->err.jump)) {
        int status = h->err.status;
        memcpy(info->message, h->err.message, sizeof info->message);
        imgcodecs_jpeg_close(h);
        return status;
    }
    jpeg_create_decompress(&h->cinfo);
    h->progress.progress_monitor = on_progress;
    h->cinfo.progress = &h->progress;
    jpeg_mem_src(&h->cinfo, data, (unsigned long)size);
    jpeg_save_markers(&h->cinfo, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(&h->cinfo, TRUE);
    keep_exif(h);
    fill_info(h, info);
    *handle = h;
    return IMGCODECS_OK;
}

int imgcodecs_jpeg_output_size(imgcodecs_jpeg *h, int scale_denom, int *width, int *height) {
    if (!h || (scale_denom != 1 && scale_denom != 2 && scale_denom != 4 && scale_denom != 8))
        return IMGCODECS_BAD_ARGUMENT;
    /* jdiv_round_up(image_width * scale_num, scale_denom), as jpeg_calc_output_dimensions does. */
    *width = (int)(((long)h->cinfo.image_width + scale_denom - 1) / scale_denom);
    *height = (int)(((long)h->cinfo.image_height + scale_denom - 1) / scale_denom);
    return IMGCODECS_OK;
}

/* Photoshop writes Adobe CMYK inverted (0 = full ink); plain CMYK stores ink directly.
   RGB = (255 - ink_c) * (255 - ink_k) / 255 per channel, rounded. */
static void cmyk_row_to_rgb(const uint8_t *cmyk, uint8_t *rgb, int width, int inverted) {
    for (int x = 0; x < width; x++) {
        int k = cmyk[4 * x + 3];
        int keep_k = inverted ? k : 255 - k;
        for (int i = 0; i < 3; i++) {
            int v = cmyk[4 * x + i];
            int keep = inverted ? v : 255 - v;
            int t = keep * keep_k + 128;
            rgb[3 * x + i] = (uint8_t)((t + (t >> 8)) >> 8);
        }
    }
}

int imgcodecs_jpeg_read(imgcodecs_jpeg *h, int scale_denom, uint64_t max_pixels,
                        uint8_t *out, size_t out_capacity, imgcodecs_jpeg_info *info) {
    if (!h || !out || h->used) return IMGCODECS_BAD_ARGUMENT;
    h->used = 1;
    int w = 0, hh = 0;
    if (imgcodecs_jpeg_output_size(h, scale_denom, &w, &hh) != IMGCODECS_OK) return IMGCODECS_BAD_ARGUMENT;
    if ((uint64_t)h->cinfo.image_width * h->cinfo.image_height > max_pixels) {
        snprintf(info->message, sizeof info->message, "%u x %u pixels exceeds the limit of %llu",
                 h->cinfo.image_width, h->cinfo.image_height, (unsigned long long)max_pixels);
        return IMGCODECS_TOO_MANY_PIXELS;
    }
    if (out_capacity != (size_t)w * hh * 3) return IMGCODECS_BAD_ARGUMENT;

    uint8_t *volatile cmyk_row = NULL;
    if (setjmp(h->err.jump)) {
        free(cmyk_row);
        info->warnings = h->err.warnings;
        memcpy(info->message, h->err.message, sizeof info->message);
        return h->err.status;
    }
    struct jpeg_decompress_struct *c = &h->cinfo;
    int four_component = c->jpeg_color_space == JCS_CMYK || c->jpeg_color_space == JCS_YCCK;
    c->out_color_space = four_component ? JCS_CMYK : JCS_RGB;
    c->scale_num = 1;
    c->scale_denom = (unsigned)scale_denom;
    c->dct_method = JDCT_ISLOW;
    jpeg_start_decompress(c);
    if ((int)c->output_width != w || (int)c->output_height != hh) {
        ERREXIT(c, JERR_BAD_DCTSIZE);   /* our size formula disagrees with libjpeg's: never expected */
    }
    if (four_component) {
        cmyk_row = malloc((size_t)w * 4);
        if (!cmyk_row) ERREXIT1(c, JERR_OUT_OF_MEMORY, 0);
        while (c->output_scanline < c->output_height) {
            JSAMPROW row = cmyk_row;
            uint8_t *dest = out + (size_t)c->output_scanline * w * 3;
            if (jpeg_read_scanlines(c, &row, 1) == 1) cmyk_row_to_rgb(cmyk_row, dest, w, c->saw_Adobe_marker);
        }
        free(cmyk_row);
        cmyk_row = NULL;
    } else {
        JSAMPROW rows[16];
        while (c->output_scanline < c->output_height) {
            int n = (int)(c->output_height - c->output_scanline);
            if (n > 16) n = 16;
            for (int i = 0; i < n; i++) rows[i] = out + (size_t)(c->output_scanline + i) * w * 3;
            jpeg_read_scanlines(c, rows, (JDIMENSION)n);
        }
    }
    /* Reads up to EOI, so a file cut after the last scan is still reported as truncated. */
    jpeg_finish_decompress(c);
    info->warnings = h->err.warnings;
    return IMGCODECS_OK;
}

void imgcodecs_jpeg_close(imgcodecs_jpeg *h) {
    if (!h) return;
    jpeg_destroy_decompress(&h->cinfo);
    free(h->exif);
    free(h);
}

int imgcodecs_jpeg_version(void) { return LIBJPEG_TURBO_VERSION_NUMBER; }

void imgcodecs_free(void *pointer) { free(pointer); }
