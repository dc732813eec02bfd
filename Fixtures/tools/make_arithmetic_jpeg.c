/* Writes a 24x16 RGB JPEG with arithmetic entropy coding (SOF9), which Pillow and many tools
   cannot write. Pixel (x, y) = (x * 10, y * 15, 255 - x * 10), quality 100, 4:4:4, so a decoder
   must return that gradient to within JPEG rounding.
   Build: cc -O2 make_arithmetic_jpeg.c -ljpeg -o make_arithmetic_jpeg; run: ./make_arithmetic_jpeg OUT.jpg */
#include <stdio.h>
#include <jpeglib.h>

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s OUT.jpg\n", argv[0]); return 2; }
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    FILE *f = fopen(argv[1], "wb");
    if (!f) { perror(argv[1]); return 1; }
    jpeg_stdio_dest(&c, f);
    c.image_width = 24;
    c.image_height = 16;
    c.input_components = 3;
    c.in_color_space = JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 100, TRUE);
    for (int i = 0; i < 3; i++) c.comp_info[i].h_samp_factor = c.comp_info[i].v_samp_factor = 1;
    c.arith_code = TRUE;
    jpeg_start_compress(&c, TRUE);
    unsigned char row[24 * 3];
    while (c.next_scanline < c.image_height) {
        int y = (int)c.next_scanline;
        for (int x = 0; x < 24; x++) {
            row[3 * x] = (unsigned char)(x * 10);
            row[3 * x + 1] = (unsigned char)(y * 15);
            row[3 * x + 2] = (unsigned char)(255 - x * 10);
        }
        JSAMPROW r = row;
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    fclose(f);
    return 0;
}
