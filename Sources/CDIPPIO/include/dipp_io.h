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

/* Decodes a PNG or a JPEG, told apart by the file's first bytes (never its name).
 * On success *pixels is malloc'd (release with dipp_free): rows top to bottom, *channels interleaved
 * samples per pixel (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA) of *bytes_per_sample bytes each.
 *   1 byte:  0…255, colour sRGB-encoded, alpha NOT premultiplied (8-bit and lower-depth PNGs, palettes
 *            expanded, tRNS as alpha; every JPEG: grey stays 1 channel, YCbCr/RGB give 3, CMYK/YCCK are refused).
 *   2 bytes: native-endian uint16 0…65535 from 16-bit PNGs, read with libpng's simplified API as its
 *            LINEAR formats: colour is LINEAR light (a 16-bit file without gAMA/sRGB/iCCP is taken to be
 *            sRGB-encoded, PNG_IMAGE_FLAG_16BIT_sRGB) and, with alpha, PREMULTIPLIED by alpha.
 * libjpeg warnings (a truncated or corrupt stream) are errors: no grey-filled partial image is returned.
 * Errors: "empty file", "not a PNG or JPEG (first bytes …)", or libpng's/libjpeg's own message. */
int dipp_read_image(const char *path, uint8_t **pixels, int32_t *width, int32_t *height, int32_t *channels,
                    int32_t *bytes_per_sample, char *error, size_t error_length);

/* Writes a PNG exactly as described, through libpng's low-level API (test images of every kind):
 * bit_depth 8 or 16; color_type as in the PNG header (0 grey, 2 RGB, 3 palette (8-bit), 4 grey+alpha,
 * 6 RGBA); `samples` packed rows top to bottom, 16-bit samples big-endian as the file stores them.
 * palette: `palette_entries` RGB triples (colour type 3); transparency: tRNS alpha of the first
 * `transparency_entries` palette entries (NULL for none). gamma > 0 writes a gAMA chunk with that file
 * gamma (0.45455 for the usual 1/2.2); 0 writes none. */
int dipp_write_png_raw(const char *path, int32_t width, int32_t height, int32_t bit_depth, int32_t color_type,
                       const uint8_t *samples, const uint8_t *palette, int32_t palette_entries,
                       const uint8_t *transparency, int32_t transparency_entries, double gamma,
                       char *error, size_t error_length);

/* Writes a baseline JPEG (libjpeg defaults: 4:2:0 chroma for RGB) at `quality` 1…100:
 * `channels` 1 (grey) or 3 (RGB), 8-bit, rows top to bottom, interleaved. */
int dipp_write_jpeg(const char *path, int32_t width, int32_t height, int32_t channels, const uint8_t *pixels,
                    int32_t quality, char *error, size_t error_length);

/* The versions of libpng, zlib and libjpeg(-turbo) linked (libjpeg: its build-time version). */
const char *dipp_libpng_version(void);
const char *dipp_zlib_version(void);
const char *dipp_libjpeg_version(void);

#endif
