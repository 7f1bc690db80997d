#include "dipp_io.h"
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <jpeglib.h>
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

/* ---- Images: PNG (libpng's simplified API) and JPEG (libjpeg-turbo), told apart by content ---- */

/* Images above this many pixels are refused before any buffer is allocated (decompression bombs). */
#define DIPP_MAX_PIXELS ((size_t)1 << 28)

/* 16-bit PNGs: the simplified API returns 16-bit samples only in its LINEAR formats, which are linear
 * light (the file's gAMA/sRGB/iCCP curve removed) with colour premultiplied by alpha (png.h, "the
 * color/gray channels are scaled (pre-multiplied)"). A 16-bit file without colour-space chunks is by
 * default taken to be linear already; PNG_IMAGE_FLAG_16BIT_sRGB makes it sRGB-encoded instead, as
 * 8-bit files are and as such files almost always are, so the caller re-encodes every 16-bit image the
 * same way (linear → sRGB, unpremultiplied). 8-bit and lower depths are read as 8-bit sRGB formats,
 * whose alpha is not premultiplied. Palettes expand to RGB(A); tRNS sets PNG_FORMAT_FLAG_ALPHA. */
static int read_png_image(const char *path, uint8_t **pixels, int32_t *width, int32_t *height, int32_t *channels,
                          int32_t *bytes_per_sample, char *error, size_t error_length) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&image, path)) return fail(error, error_length, "not a readable PNG", image.message);
    png_uint_32 in = image.format;
    int sixteen = (in & PNG_FORMAT_FLAG_LINEAR) != 0;
    image.format = (in & (PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA)) | (sixteen ? PNG_FORMAT_FLAG_LINEAR : 0);
    if (sixteen) image.flags |= PNG_IMAGE_FLAG_16BIT_sRGB;
    if ((size_t)image.width * (size_t)image.height > DIPP_MAX_PIXELS) {
        png_image_free(&image);
        return fail(error, error_length, "image too large", "more than 2^28 pixels");
    }
    size_t size = PNG_IMAGE_SIZE(image);
    uint8_t *buffer = malloc(size ? size : 1);
    if (!buffer) { png_image_free(&image); return fail(error, error_length, "out of memory", NULL); }
    if (!png_image_finish_read(&image, NULL, buffer, 0, NULL)) {
        free(buffer);
        return fail(error, error_length, "corrupt PNG data", image.message);
    }
    *pixels = buffer;
    *width = (int32_t)image.width;
    *height = (int32_t)image.height;
    *channels = (int32_t)PNG_IMAGE_SAMPLE_CHANNELS(image.format);
    *bytes_per_sample = sixteen ? 2 : 1;
    return 0;
}

/* libjpeg reports errors through error_exit (which must not return) and warnings — corrupt or
 * truncated data it would otherwise paper over with grey — through emit_message(-1): both jump back. */
struct jpeg_failure {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

static void jpeg_failure_exit(j_common_ptr cinfo) {
    struct jpeg_failure *failure = (struct jpeg_failure *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, failure->message);
    longjmp(failure->jump, 1);
}

static void jpeg_failure_message(j_common_ptr cinfo, int msg_level) {
    if (msg_level < 0) jpeg_failure_exit(cinfo); /* a warning: corrupt data */
}

/* libjpeg's error manager with its errors and warnings (corrupt data) routed to `failure`:
   the caller's setjmp(failure->jump) receives them. */
static struct jpeg_error_mgr *jpeg_failure_manager(struct jpeg_failure *failure) {
    struct jpeg_error_mgr *manager = jpeg_std_error(&failure->manager);
    manager->error_exit = jpeg_failure_exit;
    manager->emit_message = jpeg_failure_message;
    failure->message[0] = 0;
    return manager;
}

static int read_jpeg_image(const char *path, uint8_t **pixels, int32_t *width, int32_t *height, int32_t *channels,
                           int32_t *bytes_per_sample, char *error, size_t error_length) {
    FILE *file = fopen(path, "rb");
    if (!file) return fail(error, error_length, "cannot open the file", NULL);
    struct jpeg_decompress_struct cinfo;
    struct jpeg_failure failure;
    uint8_t *volatile buffer = NULL;
    cinfo.err = jpeg_failure_manager(&failure);
    if (setjmp(failure.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(buffer);
        fclose(file);
        return fail(error, error_length, "corrupt JPEG data", failure.message);
    }
    jpeg_create_decompress(&cinfo);
    jpeg_stdio_src(&cinfo, file);
    if (jpeg_read_header(&cinfo, TRUE) != JPEG_HEADER_OK) {
        jpeg_destroy_decompress(&cinfo);
        fclose(file);
        return fail(error, error_length, "corrupt JPEG data", "no image in the file (tables only)");
    }
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE: cinfo.out_color_space = JCS_GRAYSCALE; break;
    case JCS_CMYK:
    case JCS_YCCK:
        jpeg_destroy_decompress(&cinfo);
        fclose(file);
        return fail(error, error_length, "unsupported JPEG", "CMYK/YCCK colour; convert the file to RGB");
    default: cinfo.out_color_space = JCS_RGB; break;
    }
    jpeg_start_decompress(&cinfo);
    size_t w = cinfo.output_width, h = cinfo.output_height, c = (size_t)cinfo.output_components;
    if (w * h > DIPP_MAX_PIXELS) {
        jpeg_destroy_decompress(&cinfo);
        fclose(file);
        return fail(error, error_length, "image too large", "more than 2^28 pixels");
    }
    buffer = malloc(w * h * c > 0 ? w * h * c : 1);
    if (!buffer) {
        jpeg_destroy_decompress(&cinfo);
        fclose(file);
        return fail(error, error_length, "out of memory", NULL);
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = buffer + (size_t)cinfo.output_scanline * w * c;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    fclose(file);
    *pixels = buffer;
    *width = (int32_t)w;
    *height = (int32_t)h;
    *channels = (int32_t)c;
    *bytes_per_sample = 1;
    return 0;
}

int dipp_read_image(const char *path, uint8_t **pixels, int32_t *width, int32_t *height, int32_t *channels,
                    int32_t *bytes_per_sample, char *error, size_t error_length) {
    *pixels = NULL;
    FILE *file = fopen(path, "rb");
    if (!file) return fail(error, error_length, "cannot open the file", NULL);
    uint8_t head[8];
    size_t n = fread(head, 1, sizeof head, file);
    fclose(file);
    if (n == 0) return fail(error, error_length, "empty file", NULL);
    static const uint8_t png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (n == 8 && memcmp(head, png_signature, 8) == 0)
        return read_png_image(path, pixels, width, height, channels, bytes_per_sample, error, error_length);
    if (n >= 3 && head[0] == 0xff && head[1] == 0xd8 && head[2] == 0xff)
        return read_jpeg_image(path, pixels, width, height, channels, bytes_per_sample, error, error_length);
    char shown[40] = "", *at = shown;
    for (size_t i = 0; i < n; i++) at += snprintf(at, sizeof shown - (size_t)(at - shown), i ? " %02x" : "%02x", head[i]);
    char detail[80];
    snprintf(detail, sizeof detail, "first bytes %s", shown);
    return fail(error, error_length, "not a PNG or JPEG", detail);
}

int dipp_write_png_raw(const char *path, int32_t width, int32_t height, int32_t bit_depth, int32_t color_type,
                       const uint8_t *samples, const uint8_t *palette, int32_t palette_entries,
                       const uint8_t *transparency, int32_t transparency_entries, double gamma,
                       char *error, size_t error_length) {
    int per_pixel = color_type == 0 ? 1 : color_type == 2 ? 3 : color_type == 3 ? 1 : color_type == 4 ? 2 : color_type == 6 ? 4 : 0;
    if (width <= 0 || height <= 0 || per_pixel == 0 || (bit_depth != 8 && bit_depth != 16) || (color_type == 3 && bit_depth != 8)
        || (color_type == 3 && (!palette || palette_entries < 1 || palette_entries > 256)))
        return fail(error, error_length, "invalid PNG description", NULL);
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
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, bit_depth, color_type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (color_type == 3) {
        png_color colors[256];
        for (int32_t i = 0; i < palette_entries; i++)
            colors[i] = (png_color){palette[3 * i], palette[3 * i + 1], palette[3 * i + 2]};
        png_set_PLTE(png, info, colors, palette_entries);
        if (transparency && transparency_entries > 0)
            png_set_tRNS(png, info, transparency, transparency_entries, NULL);
    }
    if (gamma > 0) png_set_gAMA(png, info, gamma);
    png_write_info(png, info);
    size_t row_bytes = (size_t)width * (size_t)per_pixel * (size_t)(bit_depth / 8);
    for (int32_t y = 0; y < height; y++) png_write_row(png, (png_const_bytep)(samples + (size_t)y * row_bytes));
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    if (fclose(file) != 0) return fail(error, error_length, "write failed on close", NULL);
    return 0;
}

int dipp_write_png(const char *path, int32_t width, int32_t height, int32_t channels,
                   const uint8_t *pixels, char *error, size_t error_length) {
    if (channels != 1 && channels != 3) return fail(error, error_length, "invalid image size or channel count", NULL);
    return dipp_write_png_raw(path, width, height, 8, channels == 1 ? 0 : 2, pixels, NULL, 0, NULL, 0, 0, error, error_length);
}

int dipp_write_jpeg(const char *path, int32_t width, int32_t height, int32_t channels, const uint8_t *pixels,
                    int32_t quality, char *error, size_t error_length) {
    if (width <= 0 || height <= 0 || (channels != 1 && channels != 3) || quality < 1 || quality > 100)
        return fail(error, error_length, "invalid image size, channel count or quality", NULL);
    FILE *file = fopen(path, "wb");
    if (!file) return fail(error, error_length, "cannot create the file", NULL);
    struct jpeg_compress_struct cinfo;
    struct jpeg_failure failure;
    cinfo.err = jpeg_failure_manager(&failure);
    if (setjmp(failure.jump)) {
        jpeg_destroy_compress(&cinfo);
        fclose(file);
        return fail(error, error_length, "libjpeg failed while writing", failure.message);
    }
    jpeg_create_compress(&cinfo);
    jpeg_stdio_dest(&cinfo, file);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = channels;
    cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * (size_t)width * (size_t)channels);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    if (fclose(file) != 0) return fail(error, error_length, "write failed on close", NULL);
    return 0;
}

#define DIPP_STRINGIFY2(x) #x
#define DIPP_STRINGIFY(x) DIPP_STRINGIFY2(x)
const char *dipp_libjpeg_version(void) {
#ifdef LIBJPEG_TURBO_VERSION_NUMBER
    return "libjpeg-turbo " DIPP_STRINGIFY(LIBJPEG_TURBO_VERSION) " (API " DIPP_STRINGIFY(JPEG_LIB_VERSION) ")";
#else
    return "libjpeg " DIPP_STRINGIFY(JPEG_LIB_VERSION);
#endif
}

const char *dipp_libpng_version(void) { return png_get_libpng_ver(NULL); }

const char *dipp_zlib_version(void) { return zlibVersion(); }
