/* The decode-bound limit of the grading pipeline: libjpeg-turbo's own scaled decode, one thread.
 *
 * Build: cc -O2 -o pipeline_decode_floor pipeline_decode_floor.c -ljpeg
 * Usage: pipeline_decode_floor TARGET_WIDTH TARGET_HEIGHT FILE...
 *
 * Each file is read into memory first (not timed), then decoded to RGB at the smallest DCT scale
 * (1/8, 1/4, 1/2, 1) whose output still covers the target size: the same choice the grading
 * pipeline makes. Prints one JSON object: images, seconds (thread CPU time), images_per_second.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <time.h>
#include <jpeglib.h>

struct error_manager { struct jpeg_error_mgr base; jmp_buf jump; };

static void on_error(j_common_ptr info) { longjmp(((struct error_manager *)info->err)->jump, 1); }
static void on_message(j_common_ptr info) { (void)info; }

static double thread_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: %s WIDTH HEIGHT FILE...\n", argv[0]); return 2; }
    int target_w = atoi(argv[1]), target_h = atoi(argv[2]), count = argc - 3;
    unsigned char **data = calloc(count, sizeof *data);
    unsigned long *size = calloc(count, sizeof *size);
    for (int i = 0; i < count; i++) {
        FILE *f = fopen(argv[i + 3], "rb");
        if (!f) { perror(argv[i + 3]); return 1; }
        fseek(f, 0, SEEK_END); size[i] = ftell(f); fseek(f, 0, SEEK_SET);
        data[i] = malloc(size[i]);
        if (fread(data[i], 1, size[i], f) != size[i]) { perror(argv[i + 3]); return 1; }
        fclose(f);
    }
    unsigned char *row = NULL;
    size_t row_capacity = 0;
    unsigned long checksum = 0;
    int failed = 0;
    double start = thread_seconds();
    for (int i = 0; i < count; i++) {
        struct jpeg_decompress_struct info;
        struct error_manager err;
        info.err = jpeg_std_error(&err.base);
        err.base.error_exit = on_error;
        err.base.output_message = on_message;
        if (setjmp(err.jump)) { jpeg_destroy_decompress(&info); failed++; continue; }
        jpeg_create_decompress(&info);
        jpeg_mem_src(&info, data[i], size[i]);
        jpeg_read_header(&info, TRUE);
        info.out_color_space = JCS_RGB;
        int denom = 8;
        while (denom > 1 && ((int)((info.image_width + denom - 1) / denom) < target_w ||
                             (int)((info.image_height + denom - 1) / denom) < target_h)) denom /= 2;
        info.scale_num = 1;
        info.scale_denom = denom;
        jpeg_start_decompress(&info);
        size_t stride = (size_t)info.output_width * info.output_components;
        if (stride > row_capacity) { row = realloc(row, stride); row_capacity = stride; }
        while (info.output_scanline < info.output_height) {
            JSAMPROW rows[1] = { row };
            jpeg_read_scanlines(&info, rows, 1);
            checksum += row[0];
        }
        jpeg_finish_decompress(&info);
        jpeg_destroy_decompress(&info);
    }
    double seconds = thread_seconds() - start;
    printf("{\"images\": %d, \"failed\": %d, \"seconds\": %.6f, \"images_per_second\": %.3f, \"checksum\": %lu}\n",
           count, failed, seconds, (count - failed) / seconds, checksum);
    return 0;
}
