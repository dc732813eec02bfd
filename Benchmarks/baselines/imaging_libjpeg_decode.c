/* libjpeg-turbo's own decode speed, the floor for ImagingBench's fast path: each file decoded
   from memory at the smallest DCT scale covering TARGET x TARGET (scale 1 with TARGET = 0), to
   RGB with the accurate integer IDCT, exactly as CImageCodecs does, but with no resize. Prints
   the best pass in thread CPU seconds.
   Compiled at run time by ImagingBench: cc -O2 imaging_libjpeg_decode.c -ljpeg
   Usage: a.out TARGET PASSES FILE... */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <jpeglib.h>

static double cpu_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static unsigned char *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(1); }
    fseek(f, 0, SEEK_END);
    *size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *data = malloc(*size);
    if (fread(data, 1, *size, f) != *size) { perror(path); exit(1); }
    fclose(f);
    return data;
}

static void decode(const unsigned char *data, size_t size, int target) {
    struct jpeg_decompress_struct c;
    struct jpeg_error_mgr err;
    c.err = jpeg_std_error(&err);
    jpeg_create_decompress(&c);
    jpeg_mem_src(&c, data, (unsigned long)size);
    jpeg_read_header(&c, TRUE);
    int denom = 1;
    if (target > 0) {
        for (denom = 8; denom > 1; denom /= 2) {
            if ((c.image_width + denom - 1) / denom >= (unsigned)target &&
                (c.image_height + denom - 1) / denom >= (unsigned)target) break;
        }
    }
    c.scale_num = 1;
    c.scale_denom = (unsigned)denom;
    c.out_color_space = JCS_RGB;
    c.dct_method = JDCT_ISLOW;
    jpeg_start_decompress(&c);
    unsigned char *pixels = malloc((size_t)c.output_width * c.output_height * 3);
    JSAMPROW rows[16];
    while (c.output_scanline < c.output_height) {
        int n = (int)(c.output_height - c.output_scanline);
        if (n > 16) n = 16;
        for (int i = 0; i < n; i++) rows[i] = pixels + (size_t)(c.output_scanline + i) * c.output_width * 3;
        jpeg_read_scanlines(&c, rows, (JDIMENSION)n);
    }
    jpeg_finish_decompress(&c);
    jpeg_destroy_decompress(&c);
    free(pixels);
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: %s TARGET PASSES FILE...\n", argv[0]); return 2; }
    int target = atoi(argv[1]), passes = atoi(argv[2]), count = argc - 3;
    unsigned char **data = malloc(sizeof *data * count);
    size_t *sizes = malloc(sizeof *sizes * count);
    for (int i = 0; i < count; i++) data[i] = read_file(argv[3 + i], &sizes[i]);
    double best = 1e30;
    for (int p = 0; p < passes; p++) {
        double start = cpu_seconds();
        for (int i = 0; i < count; i++) decode(data[i], sizes[i], target);
        double t = cpu_seconds() - start;
        if (t < best) best = t;
    }
    printf("%.9f\n", best);
    return 0;
}
