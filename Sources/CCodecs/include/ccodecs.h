#ifndef MICROLABEL_CCODECS_H
#define MICROLABEL_CCODECS_H
// The only C of microlabel: thin wrappers around libjpeg and libpng that own the
// setjmp those libraries need for error handling. Every function returns an
// ml_status and, on failure, writes a NUL-terminated message into `message`
// (ML_MESSAGE_CAPACITY bytes). Nothing here prints, exits, or longjmps out.
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ML_MESSAGE_CAPACITY 200

typedef enum {
    ML_OK = 0,
    /// The data ends before the image does.
    ML_TRUNCATED = 1,
    /// The data is damaged or not in the expected format.
    ML_CORRUPT = 2,
    /// Well-formed, but a variant we do not decode (e.g. CMYK JPEG).
    ML_UNSUPPORTED = 3,
    /// Bad arguments: output buffer too small, wrong scale, sizes that do not match.
    ML_BAD_ARGUMENT = 4,
    /// Memory allocation failed.
    ML_NO_MEMORY = 5,
} ml_status;

typedef struct {
    int width;          ///< full-size width
    int height;         ///< full-size height
    int components;     ///< colour components in the file (1 gray, 3 colour, 4 CMYK/RGBA...)
    int output_width;   ///< width of a decode at the requested scale
    int output_height;  ///< height of a decode at the requested scale
} ml_image_info;

// MARK: JPEG

/// Reads the JPEG header (no pixel data) and the output size of a decode at
/// 1/scale_denom (1, 2, 4 or 8). A header cut short reports ML_TRUNCATED.
ml_status ml_jpeg_read_info(const uint8_t *data, size_t size, int scale_denom,
                            ml_image_info *info, char *message);

/// Decodes to RGB8 (grayscale too) at 1/scale_denom into `rgb`, rows packed.
/// `expected_width`/`expected_height` must equal the output size reported by
/// ml_jpeg_read_info, and `capacity` must hold width*height*3 bytes.
/// Decoder settings are libjpeg's defaults (those of `djpeg`): JDCT_ISLOW,
/// fancy upsampling. Any libjpeg warning about damaged data is an error:
/// "Premature end of JPEG file" is ML_TRUNCATED, the others ML_CORRUPT.
ml_status ml_jpeg_decode_rgb(const uint8_t *data, size_t size, int scale_denom,
                             uint8_t *rgb, size_t capacity,
                             int expected_width, int expected_height, char *message);

/// Encodes RGB8 to a baseline JPEG (4:2:0, quality 1...100). On success `*out`
/// is a malloc'ed buffer of `*out_size` bytes that the caller frees with ml_free.
ml_status ml_jpeg_encode_rgb(const uint8_t *rgb, int width, int height, int quality,
                             uint8_t **out, size_t *out_size, char *message);

// MARK: PNG

// Row filter masks (libpng's PNG_FILTER_* values).
#define ML_PNG_FILTER_NONE 0x08
#define ML_PNG_FILTER_SUB 0x10
#define ML_PNG_FILTER_UP 0x20
#define ML_PNG_FILTER_AVG 0x40
#define ML_PNG_FILTER_PAETH 0x80

/// Reads width, height and channel count from the PNG signature and IHDR only.
/// `output_width/height` equal the full size. Needs the first 33 bytes.
ml_status ml_png_read_info(const uint8_t *data, size_t size, ml_image_info *info, char *message);

/// Decodes a PNG to RGB8: palette and gray expanded, 16-bit samples scaled to
/// 8 bits (rounded), alpha composited onto black (out = c * a / 255, rounded).
/// Interlaced images are supported. Gamma chunks are ignored: samples are taken as stored.
ml_status ml_png_decode_rgb(const uint8_t *data, size_t size,
                            uint8_t *rgb, size_t capacity,
                            int expected_width, int expected_height, char *message);

/// Encodes RGB8 to PNG (8-bit RGB, no interlace) with zlib level 0...9 and the
/// row filters libpng may choose from: a mask of ML_PNG_FILTER_* (0 = libpng's default).
/// On success `*out` is malloc'ed; free it with ml_free.
ml_status ml_png_encode_rgb(const uint8_t *rgb, int width, int height,
                            int compression_level, int filters,
                            uint8_t **out, size_t *out_size, char *message);

/// Frees a buffer returned by an encoder.
void ml_free(void *pointer);

#ifdef __cplusplus
}
#endif
#endif
