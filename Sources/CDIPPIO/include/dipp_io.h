#ifndef DIPP_IO_H
#define DIPP_IO_H
/* File formats through Debian's real libraries: gzip (zlib) and PNG (libpng).
 * Errors: non-zero return and a message in the caller's buffer; nothing is left allocated. */
#include <stddef.h>
#include <stdint.h>

/* Reads a whole file, gunzipping it if it is gzip-compressed (zlib's gzread passes plain files
 * through). On success *out is a malloc'd buffer of *length bytes: release it with dipp_free. */
int dipp_read_gzip_file(const char *path, uint8_t **out, size_t *length, char *error, size_t error_length);

/* Writes `data` gzip-compressed (level 6). */
int dipp_write_gzip_file(const char *path, const uint8_t *data, size_t length, char *error, size_t error_length);

void dipp_free(void *pointer);

/* Writes an 8-bit PNG: `channels` 1 (grey) or 3 (RGB), rows top to bottom, interleaved. */
int dipp_write_png(const char *path, int32_t width, int32_t height, int32_t channels,
                   const uint8_t *pixels, char *error, size_t error_length);

/* Reads an 8-bit PNG as grey (1) or RGB (3) channels, converting palette/alpha/16-bit input.
 * *pixels is malloc'd (release with dipp_free). */
int dipp_read_png(const char *path, int32_t channels, uint8_t **pixels, int32_t *width, int32_t *height,
                  char *error, size_t error_length);

/* The versions of libpng and zlib linked at run time. */
const char *dipp_libpng_version(void);
const char *dipp_zlib_version(void);

#endif
