/* Writes two 4-component JPEGs that Pillow cannot make, from the same 8 solid 16x16 ink patches
   (a 64x32 image):
     ycck-adobe.jpg  YCCK with an Adobe APP14 marker and inverted samples, as Photoshop writes;
     cmyk-plain.jpg  CMYK without an Adobe marker, samples = ink amounts.
   Build: cc -O2 make_cmyk_jpegs.c -ljpeg -o make_cmyk_jpegs; run: ./make_cmyk_jpegs OUTDIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

/* Ink amounts (0 = none, 255 = full) for C, M, Y, K; make_jpeg_fixtures.py has the same table. */
static const unsigned char patches[8][4] = {
    {0, 0, 0, 0}, {255, 0, 0, 0}, {0, 255, 0, 0}, {0, 0, 255, 0},
    {0, 0, 0, 128}, {64, 128, 192, 0}, {200, 50, 0, 60}, {30, 30, 30, 30},
};

static void write_jpeg(const char *path, J_COLOR_SPACE stored, int adobe) {
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    FILE *f = fopen(path, "wb");
    if (!f) { perror(path); exit(1); }
    jpeg_stdio_dest(&c, f);
    c.image_width = 64;
    c.image_height = 32;
    c.input_components = 4;
    c.in_color_space = JCS_CMYK;
    jpeg_set_defaults(&c);
    jpeg_set_colorspace(&c, stored);
    for (int i = 0; i < 4; i++) c.comp_info[i].h_samp_factor = c.comp_info[i].v_samp_factor = 1;
    jpeg_set_quality(&c, 100, TRUE);
    c.write_Adobe_marker = adobe;
    jpeg_start_compress(&c, TRUE);
    unsigned char row[64 * 4];
    while (c.next_scanline < c.image_height) {
        int y = (int)c.next_scanline;
        for (int x = 0; x < 64; x++) {
            const unsigned char *ink = patches[(y / 16) * 4 + x / 16];
            for (int k = 0; k < 4; k++) row[4 * x + k] = adobe ? (unsigned char)(255 - ink[k]) : ink[k];
        }
        JSAMPROW r = row;
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    fclose(f);
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s OUTDIR\n", argv[0]); return 2; }
    char path[4096];
    snprintf(path, sizeof path, "%s/ycck-adobe.jpg", argv[1]);
    write_jpeg(path, JCS_YCCK, 1);
    snprintf(path, sizeof path, "%s/cmyk-plain.jpg", argv[1]);
    write_jpeg(path, JCS_CMYK, 0);
    return 0;
}
