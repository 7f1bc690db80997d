#include "dipp_io.h"
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static int fail(char *error, size_t error_length, const char *what, const char *detail) {
    if (error && error_length) snprintf(error, error_length, "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
    return 1;
}

void dipp_free(void *pointer) { free(pointer); }

int dipp_read_gzip_file(const char *path, uint8_t **out, size_t *length, char *error, size_t error_length) {
    *out = NULL;
    *length = 0;
    gzFile file = gzopen(path, "rb");
    if (!file) return fail(error, error_length, "cannot open the file", NULL);
    size_t capacity = 1 << 16, used = 0;
    uint8_t *buffer = malloc(capacity);
    if (!buffer) { gzclose(file); return fail(error, error_length, "out of memory", NULL); }
    for (;;) {
        if (capacity - used < (1 << 15)) {
            uint8_t *grown = realloc(buffer, capacity * 2);
            if (!grown) { free(buffer); gzclose(file); return fail(error, error_length, "out of memory", NULL); }
            buffer = grown;
            capacity *= 2;
        }
        int n = gzread(file, buffer + used, (unsigned)(capacity - used));
        if (n < 0) {
            int code = 0;
            const char *message = gzerror(file, &code);
            fail(error, error_length, "corrupt gzip data", message);
            free(buffer);
            gzclose(file);
            return 1;
        }
        if (n == 0) break;
        used += (size_t)n;
    }
    int code = 0;
    const char *message = gzerror(file, &code);
    if (code != Z_OK && code != Z_BUF_ERROR) {
        fail(error, error_length, "corrupt gzip data", message);
        free(buffer);
        gzclose(file);
        return 1;
    }
    gzclose(file);
    *out = buffer;
    *length = used;
    return 0;
}

int dipp_write_gzip_file(const char *path, const uint8_t *data, size_t length, char *error, size_t error_length) {
    gzFile file = gzopen(path, "wb6");
    if (!file) return fail(error, error_length, "cannot create the file", NULL);
    size_t written = 0;
    while (written < length) {
        unsigned chunk = (unsigned)((length - written) > (1u << 30) ? (1u << 30) : (length - written));
        int n = gzwrite(file, data + written, chunk);
        if (n <= 0) { gzclose(file); return fail(error, error_length, "write failed", NULL); }
        written += (size_t)n;
    }
    if (gzclose(file) != Z_OK) return fail(error, error_length, "write failed on close", NULL);
    return 0;
}

int dipp_write_png(const char *path, int32_t width, int32_t height, int32_t channels,
                   const uint8_t *pixels, char *error, size_t error_length) {
    if (width <= 0 || height <= 0 || (channels != 1 && channels != 3))
        return fail(error, error_length, "invalid image size or channel count", NULL);
    FILE *file = fopen(path, "wb");
    if (!file) return fail(error, error_length, "cannot create the file", NULL);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_write_struct(&png, &info);
        fclose(file);
        return fail(error, error_length, "libpng could not start", NULL);
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        fclose(file);
        return fail(error, error_length, "libpng failed while writing", NULL);
    }
    png_init_io(png, file);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8,
                 channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int32_t y = 0; y < height; y++)
        png_write_row(png, (png_const_bytep)(pixels + (size_t)y * (size_t)width * (size_t)channels));
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    if (fclose(file) != 0) return fail(error, error_length, "write failed on close", NULL);
    return 0;
}

int dipp_read_png(const char *path, int32_t channels, uint8_t **pixels, int32_t *width, int32_t *height,
                  char *error, size_t error_length) {
    *pixels = NULL;
    if (channels != 1 && channels != 3) return fail(error, error_length, "channels must be 1 or 3", NULL);
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&image, path)) return fail(error, error_length, "not a readable PNG", image.message);
    image.format = channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
    size_t size = PNG_IMAGE_SIZE(image);
    uint8_t *buffer = malloc(size);
    if (!buffer) { png_image_free(&image); return fail(error, error_length, "out of memory", NULL); }
    if (!png_image_finish_read(&image, NULL, buffer, 0, NULL)) {
        free(buffer);
        return fail(error, error_length, "corrupt PNG data", image.message);
    }
    *pixels = buffer;
    *width = (int32_t)image.width;
    *height = (int32_t)image.height;
    return 0;
}

const char *dipp_libpng_version(void) { return png_get_libpng_ver(NULL); }

const char *dipp_zlib_version(void) { return zlibVersion(); }
