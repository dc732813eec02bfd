/* Writes a valid progressive grayscale 16x16 JPEG with 631 scans: the DC scan, then for each of
   the 63 AC coefficients a first scan at Al = 9 and nine successive-approximation refinements.
   Every scan is legal, so only a scan-count limit stops a decoder from re-walking the image 631
   times (a crafted large image would take minutes).
   Build: cc -O2 make_many_scans_jpeg.c -ljpeg -o make_many_scans_jpeg; run: ./make_many_scans_jpeg OUT.jpg */
#include <stdio.h>
#include <stdlib.h>
#include <jpeglib.h>

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s OUT.jpg\n", argv[0]); return 2; }
    enum { SIZE = 16, FIRST_AL = 9 };
    static jpeg_scan_info scans[1 + 63 * (FIRST_AL + 1)];
    int n = 0;
    scans[n++] = (jpeg_scan_info){1, {0}, 0, 0, 0, 0};
    for (int k = 1; k < 64; k++) {
        scans[n++] = (jpeg_scan_info){1, {0}, k, k, 0, FIRST_AL};
        for (int al = FIRST_AL - 1; al >= 0; al--) scans[n++] = (jpeg_scan_info){1, {0}, k, k, al + 1, al};
    }
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    FILE *f = fopen(argv[1], "wb");
    if (!f) { perror(argv[1]); return 1; }
    jpeg_stdio_dest(&c, f);
    c.image_width = c.image_height = SIZE;
    c.input_components = 1;
    c.in_color_space = JCS_GRAYSCALE;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 95, TRUE);
    c.scan_info = scans;
    c.num_scans = n;
    jpeg_start_compress(&c, TRUE);
    unsigned char row[SIZE];
    while (c.next_scanline < c.image_height) {
        for (int x = 0; x < SIZE; x++) row[x] = (unsigned char)((x * 37 + c.next_scanline * 11) & 0xFF);
        JSAMPROW r = row;
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    fclose(f);
    printf("%d scans\n", n);
    return 0;
}
