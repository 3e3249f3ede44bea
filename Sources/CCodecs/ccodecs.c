// libjpeg and libpng report errors by longjmp. Each entry point below owns the
// setjmp, turns the library's complaint into an ml_status plus a message, and
// frees what it allocated. State that must survive a longjmp lives in a context
// struct whose address the library holds, so it is never cached in a register.
#include "ccodecs.h"

#include <limits.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>
#include <png.h>

static void set_message(char *message, const char *text) {
    if (message == NULL) return;
    snprintf(message, ML_MESSAGE_CAPACITY, "%s", text);
}

static int rgb_size_fits(int width, int height, size_t capacity) {
    if (width <= 0 || height <= 0) return 0;
    size_t needed = (size_t)width * (size_t)height;
    if (needed > SIZE_MAX / 3) return 0;
    return needed * 3 <= capacity;
}

void ml_free(void *pointer) { free(pointer); }

// MARK: - JPEG

typedef struct {
    struct jpeg_error_mgr base;  // first, so the library's pointer is also ours
    jmp_buf jump;
    ml_status status;
    char *message;
} jpeg_failure;

static ml_status jpeg_status_for(int code) {
    switch (code) {
    case JERR_INPUT_EMPTY:
    case JERR_INPUT_EOF:
    case JWRN_JPEG_EOF:
        return ML_TRUNCATED;
    case JERR_CONVERSION_NOTIMPL:
    case JERR_NOT_COMPILED:
    case JERR_NOTIMPL:
    case JERR_BAD_IN_COLORSPACE:
        return ML_UNSUPPORTED;
    case JERR_OUT_OF_MEMORY:
        return ML_NO_MEMORY;
    default:
        return ML_CORRUPT;
    }
}

static void jpeg_fail_with_current_message(j_common_ptr cinfo) {
    jpeg_failure *failure = (jpeg_failure *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    failure->base.format_message(cinfo, text);
    failure->status = jpeg_status_for(failure->base.msg_code);
    if (failure->status == ML_TRUNCATED) {
        char longer[JMSG_LENGTH_MAX + 16];
        snprintf(longer, sizeof longer, "truncated: %s", text);
        set_message(failure->message, longer);
    } else {
        set_message(failure->message, text);
    }
    longjmp(failure->jump, 1);
}

static void jpeg_on_error(j_common_ptr cinfo) { jpeg_fail_with_current_message(cinfo); }

// Warnings (msg_level -1) about damaged data become errors: a frame decoded from
// damaged data would silently train a model on garbage. Trace messages are ignored.
static void jpeg_on_message(j_common_ptr cinfo, int msg_level) {
    if (msg_level >= 0) return;
    switch (cinfo->err->msg_code) {
    case JWRN_ADOBE_XFORM:
    case JWRN_JFIF_MAJOR:
    case JWRN_BOGUS_ICC:
        return;  // metadata oddities; the pixels are fine
    default:
        jpeg_fail_with_current_message(cinfo);
    }
}

static void jpeg_prepare_failure(struct jpeg_decompress_struct *cinfo, jpeg_failure *failure, char *message) {
    memset(failure, 0, sizeof *failure);
    cinfo->err = jpeg_std_error(&failure->base);
    failure->base.error_exit = jpeg_on_error;
    failure->base.emit_message = jpeg_on_message;
    failure->status = ML_OK;
    failure->message = message;
}

static int valid_scale(int scale_denom) {
    return scale_denom == 1 || scale_denom == 2 || scale_denom == 4 || scale_denom == 8;
}

// Reads the header and computes the scaled output size. Called inside the setjmp scope.
static ml_status jpeg_header_and_scale(struct jpeg_decompress_struct *cinfo, const uint8_t *data, size_t size,
                                       int scale_denom, char *message) {
    jpeg_mem_src(cinfo, (const unsigned char *)data, (unsigned long)size);
    jpeg_read_header(cinfo, TRUE);
    if (cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK) {
        set_message(message, "CMYK JPEG images are not supported");
        return ML_UNSUPPORTED;
    }
    cinfo->out_color_space = JCS_RGB;
    cinfo->scale_num = 1;
    cinfo->scale_denom = (unsigned int)scale_denom;
    jpeg_calc_output_dimensions(cinfo);
    return ML_OK;
}

ml_status ml_jpeg_read_info(const uint8_t *data, size_t size, int scale_denom,
                            ml_image_info *info, char *message) {
    if (!valid_scale(scale_denom)) {
        set_message(message, "JPEG scale must be 1, 2, 4 or 8");
        return ML_BAD_ARGUMENT;
    }
    if (size == 0) {
        set_message(message, "truncated: the file is empty");
        return ML_TRUNCATED;
    }
    struct jpeg_decompress_struct cinfo;
    jpeg_failure failure;
    jpeg_prepare_failure(&cinfo, &failure, message);
    jpeg_create_decompress(&cinfo);
    if (setjmp(failure.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return failure.status;
    }
    ml_status status = jpeg_header_and_scale(&cinfo, data, size, scale_denom, message);
    info->width = (int)cinfo.image_width;
    info->height = (int)cinfo.image_height;
    info->components = cinfo.num_components;
    info->output_width = (int)cinfo.output_width;
    info->output_height = (int)cinfo.output_height;
    jpeg_destroy_decompress(&cinfo);
    return status;
}

ml_status ml_jpeg_decode_rgb(const uint8_t *data, size_t size, int scale_denom,
                             uint8_t *rgb, size_t capacity,
                             int expected_width, int expected_height, char *message) {
    if (!valid_scale(scale_denom)) {
        set_message(message, "JPEG scale must be 1, 2, 4 or 8");
        return ML_BAD_ARGUMENT;
    }
    if (size == 0) {
        set_message(message, "truncated: the file is empty");
        return ML_TRUNCATED;
    }
    if (!rgb_size_fits(expected_width, expected_height, capacity)) {
        set_message(message, "output buffer does not hold the expected image");
        return ML_BAD_ARGUMENT;
    }
    struct jpeg_decompress_struct cinfo;
    jpeg_failure failure;
    jpeg_prepare_failure(&cinfo, &failure, message);
    jpeg_create_decompress(&cinfo);
    if (setjmp(failure.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return failure.status;
    }
    ml_status status = jpeg_header_and_scale(&cinfo, data, size, scale_denom, message);
    if (status != ML_OK) {
        jpeg_destroy_decompress(&cinfo);
        return status;
    }
    if ((int)cinfo.output_width != expected_width || (int)cinfo.output_height != expected_height) {
        char text[ML_MESSAGE_CAPACITY];
        snprintf(text, sizeof text, "decoded size %ux%u differs from the expected %dx%d",
                 cinfo.output_width, cinfo.output_height, expected_width, expected_height);
        set_message(message, text);
        jpeg_destroy_decompress(&cinfo);
        return ML_BAD_ARGUMENT;
    }
    jpeg_start_decompress(&cinfo);
    const size_t stride = (size_t)cinfo.output_width * 3;
    // Up to 16 rows per call: the decoder hands over as many as one iMCU row yields.
    JSAMPROW rows[16];
    while (cinfo.output_scanline < cinfo.output_height) {
        JDIMENSION first = cinfo.output_scanline;
        JDIMENSION count = cinfo.output_height - first;
        if (count > 16) count = 16;
        for (JDIMENSION i = 0; i < count; i++) rows[i] = rgb + (size_t)(first + i) * stride;
        jpeg_read_scanlines(&cinfo, rows, count);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return ML_OK;
}

typedef struct {
    struct jpeg_compress_struct cinfo;
    jpeg_failure failure;
    unsigned char *buffer;
    unsigned long buffer_size;
} jpeg_encoder;

ml_status ml_jpeg_encode_rgb(const uint8_t *rgb, int width, int height, int quality,
                             uint8_t **out, size_t *out_size, char *message) {
    *out = NULL;
    *out_size = 0;
    if (width <= 0 || height <= 0 || width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION) {
        set_message(message, "image size is outside what JPEG can store (1...65500)");
        return ML_BAD_ARGUMENT;
    }
    if (quality < 1) quality = 1;
    if (quality > 100) quality = 100;
    jpeg_encoder *encoder = calloc(1, sizeof *encoder);
    if (encoder == NULL) {
        set_message(message, "out of memory");
        return ML_NO_MEMORY;
    }
    encoder->cinfo.err = jpeg_std_error(&encoder->failure.base);
    encoder->failure.base.error_exit = jpeg_on_error;
    encoder->failure.base.emit_message = jpeg_on_message;
    encoder->failure.message = message;
    jpeg_create_compress(&encoder->cinfo);
    if (setjmp(encoder->failure.jump)) {
        ml_status status = encoder->failure.status;
        jpeg_destroy_compress(&encoder->cinfo);
        free(encoder->buffer);
        free(encoder);
        return status == ML_OK ? ML_CORRUPT : status;
    }
    jpeg_mem_dest(&encoder->cinfo, &encoder->buffer, &encoder->buffer_size);
    encoder->cinfo.image_width = (JDIMENSION)width;
    encoder->cinfo.image_height = (JDIMENSION)height;
    encoder->cinfo.input_components = 3;
    encoder->cinfo.in_color_space = JCS_RGB;
    jpeg_set_defaults(&encoder->cinfo);
    jpeg_set_quality(&encoder->cinfo, quality, TRUE);
    jpeg_start_compress(&encoder->cinfo, TRUE);
    const size_t stride = (size_t)width * 3;
    JSAMPROW rows[16];
    while (encoder->cinfo.next_scanline < encoder->cinfo.image_height) {
        JDIMENSION first = encoder->cinfo.next_scanline;
        JDIMENSION count = encoder->cinfo.image_height - first;
        if (count > 16) count = 16;
        for (JDIMENSION i = 0; i < count; i++) rows[i] = (JSAMPROW)(rgb + (size_t)(first + i) * stride);
        jpeg_write_scanlines(&encoder->cinfo, rows, count);
    }
    jpeg_finish_compress(&encoder->cinfo);
    *out = encoder->buffer;
    *out_size = encoder->buffer_size;
    jpeg_destroy_compress(&encoder->cinfo);
    free(encoder);
    return ML_OK;
}

// MARK: - PNG

static const uint8_t png_signature_bytes[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

static uint32_t read_be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

ml_status ml_png_read_info(const uint8_t *data, size_t size, ml_image_info *info, char *message) {
    // Signature (8), IHDR length (4) and type (4), then width, height, depth, colour type.
    if (size >= 8 && memcmp(data, png_signature_bytes, 8) != 0) {
        set_message(message, "not a PNG file (bad signature)");
        return ML_CORRUPT;
    }
    if (size < 26) {
        set_message(message, "truncated: the file ends inside the PNG header");
        return ML_TRUNCATED;
    }
    if (read_be32(data + 8) != 13 || memcmp(data + 12, "IHDR", 4) != 0) {
        set_message(message, "PNG does not start with an IHDR chunk");
        return ML_CORRUPT;
    }
    uint32_t width = read_be32(data + 16);
    uint32_t height = read_be32(data + 20);
    if (width == 0 || height == 0 || width > 0x7FFFFFFF || height > 0x7FFFFFFF) {
        set_message(message, "PNG header has an invalid size");
        return ML_CORRUPT;
    }
    int color_type = data[25];
    int components;
    switch (color_type) {
    case 0: components = 1; break;  // gray
    case 2: components = 3; break;  // RGB
    case 3: components = 3; break;  // palette
    case 4: components = 2; break;  // gray + alpha
    case 6: components = 4; break;  // RGBA
    default:
        set_message(message, "PNG header has an invalid colour type");
        return ML_CORRUPT;
    }
    info->width = (int)width;
    info->height = (int)height;
    info->components = components;
    info->output_width = (int)width;
    info->output_height = (int)height;
    return ML_OK;
}

typedef struct {
    png_structp png;
    png_infop info;
    const uint8_t *data;
    size_t size;
    size_t position;
    int truncated;
    char *message;
    uint8_t *rgba;        // whole-image RGBA buffer when the image has alpha
    png_bytep *rows;      // row pointers for png_read_image
} png_reader;

static void png_on_error(png_structp png, png_const_charp text) {
    png_reader *reader = (png_reader *)png_get_error_ptr(png);
    if (reader->truncated) {
        set_message(reader->message, "truncated: the file ends inside the PNG image data");
    } else {
        char line[ML_MESSAGE_CAPACITY];
        snprintf(line, sizeof line, "corrupt PNG: %s", text);
        set_message(reader->message, line);
    }
    png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;  // e.g. unknown or damaged ancillary chunks; the pixels are fine
}

static void png_read_from_memory(png_structp png, png_bytep out, size_t count) {
    png_reader *reader = (png_reader *)png_get_io_ptr(png);
    if (count > reader->size - reader->position) {
        reader->truncated = 1;
        png_error(png, "unexpected end of data");
    }
    memcpy(out, reader->data + reader->position, count);
    reader->position += count;
}

static void png_reader_free(png_reader *reader) {
    png_destroy_read_struct(&reader->png, &reader->info, NULL);
    free(reader->rgba);
    free(reader->rows);
    free(reader);
}

ml_status ml_png_decode_rgb(const uint8_t *data, size_t size,
                            uint8_t *rgb, size_t capacity,
                            int expected_width, int expected_height, char *message) {
    ml_image_info header;
    ml_status status = ml_png_read_info(data, size, &header, message);
    if (status != ML_OK) return status;
    if (header.width != expected_width || header.height != expected_height ||
        !rgb_size_fits(expected_width, expected_height, capacity)) {
        set_message(message, "output buffer does not hold the expected image");
        return ML_BAD_ARGUMENT;
    }
    png_reader *reader = calloc(1, sizeof *reader);
    if (reader == NULL) {
        set_message(message, "out of memory");
        return ML_NO_MEMORY;
    }
    reader->data = data;
    reader->size = size;
    reader->message = message;
    reader->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, reader, png_on_error, png_on_warning);
    if (reader->png != NULL) reader->info = png_create_info_struct(reader->png);
    if (reader->png == NULL || reader->info == NULL) {
        png_reader_free(reader);
        set_message(message, "out of memory");
        return ML_NO_MEMORY;
    }
    if (setjmp(png_jmpbuf(reader->png))) {
        status = reader->truncated ? ML_TRUNCATED : ML_CORRUPT;
        png_reader_free(reader);
        return status;
    }
    png_set_read_fn(reader->png, reader, png_read_from_memory);
    png_set_benign_errors(reader->png, 0);  // "not enough image data" and the like are errors
    png_set_user_limits(reader->png, 0x7FFFFFFF, 0x7FFFFFFF);
    png_read_info(reader->png, reader->info);

    int color_type = png_get_color_type(reader->png, reader->info);
    int bit_depth = png_get_bit_depth(reader->png, reader->info);
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(reader->png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(reader->png);
    if (png_get_valid(reader->png, reader->info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(reader->png);
    if (bit_depth == 16) png_set_scale_16(reader->png);
    if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(reader->png);
    png_set_interlace_handling(reader->png);
    png_read_update_info(reader->png, reader->info);

    const int channels = png_get_channels(reader->png, reader->info);
    const size_t width = (size_t)expected_width;
    const size_t height = (size_t)expected_height;
    if ((channels != 3 && channels != 4) || png_get_rowbytes(reader->png, reader->info) != width * (size_t)channels) {
        set_message(message, "PNG layout after conversion is not RGB or RGBA");
        png_reader_free(reader);
        return ML_UNSUPPORTED;
    }
    reader->rows = malloc(height * sizeof(png_bytep));
    if (channels == 4) {
        if (width * height > SIZE_MAX / 4 || (reader->rgba = malloc(width * height * 4)) == NULL) {
            free(reader->rows);
            reader->rows = NULL;
        }
    }
    if (reader->rows == NULL) {
        png_reader_free(reader);
        set_message(message, "out of memory");
        return ML_NO_MEMORY;
    }
    uint8_t *target = channels == 4 ? reader->rgba : rgb;
    for (size_t y = 0; y < height; y++) reader->rows[y] = target + y * width * (size_t)channels;
    png_read_image(reader->png, reader->rows);

    if (channels == 4) {
        // Composite onto black: c * a / 255, rounded to nearest.
        const uint8_t *in = reader->rgba;
        uint8_t *o = rgb;
        for (size_t i = 0, n = width * height; i < n; i++, in += 4, o += 3) {
            unsigned a = in[3];
            for (int c = 0; c < 3; c++) {
                unsigned t = in[c] * a + 128;
                o[c] = (uint8_t)((t + (t >> 8)) >> 8);
            }
        }
    }
    png_reader_free(reader);
    return ML_OK;
}

typedef struct {
    png_structp png;
    png_infop info;
    uint8_t *buffer;
    size_t size;
    size_t capacity;
    int out_of_memory;
    char *message;
    png_bytep *rows;
} png_writer;

static void png_write_on_error(png_structp png, png_const_charp text) {
    png_writer *writer = (png_writer *)png_get_error_ptr(png);
    char line[ML_MESSAGE_CAPACITY];
    snprintf(line, sizeof line, "PNG encoding failed: %s", text);
    set_message(writer->message, line);
    png_longjmp(png, 1);
}

static void png_write_to_memory(png_structp png, png_bytep bytes, size_t count) {
    png_writer *writer = (png_writer *)png_get_io_ptr(png);
    if (count > writer->capacity - writer->size) {
        size_t capacity = writer->capacity ? writer->capacity : 65536;
        while (count > capacity - writer->size) {
            if (capacity > SIZE_MAX / 2) capacity = SIZE_MAX; else capacity *= 2;
        }
        uint8_t *grown = realloc(writer->buffer, capacity);
        if (grown == NULL) {
            writer->out_of_memory = 1;
            png_error(png, "out of memory");
        }
        writer->buffer = grown;
        writer->capacity = capacity;
    }
    memcpy(writer->buffer + writer->size, bytes, count);
    writer->size += count;
}

static void png_flush_nothing(png_structp png) { (void)png; }

ml_status ml_png_encode_rgb(const uint8_t *rgb, int width, int height,
                            int compression_level, int filters,
                            uint8_t **out, size_t *out_size, char *message) {
    *out = NULL;
    *out_size = 0;
    if (width <= 0 || height <= 0) {
        set_message(message, "image size must be positive");
        return ML_BAD_ARGUMENT;
    }
    if (compression_level < 0) compression_level = 0;
    if (compression_level > 9) compression_level = 9;
    png_writer *writer = calloc(1, sizeof *writer);
    if (writer == NULL) {
        set_message(message, "out of memory");
        return ML_NO_MEMORY;
    }
    writer->message = message;
    writer->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, writer, png_write_on_error, png_on_warning);
    if (writer->png != NULL) writer->info = png_create_info_struct(writer->png);
    writer->rows = malloc((size_t)height * sizeof(png_bytep));
    if (writer->png == NULL || writer->info == NULL || writer->rows == NULL) {
        png_destroy_write_struct(&writer->png, &writer->info);
        free(writer->rows);
        free(writer);
        set_message(message, "out of memory");
        return ML_NO_MEMORY;
    }
    if (setjmp(png_jmpbuf(writer->png))) {
        ml_status status = writer->out_of_memory ? ML_NO_MEMORY : ML_BAD_ARGUMENT;
        png_destroy_write_struct(&writer->png, &writer->info);
        free(writer->buffer);
        free(writer->rows);
        free(writer);
        return status;
    }
    png_set_write_fn(writer->png, writer, png_write_to_memory, png_flush_nothing);
    png_set_compression_level(writer->png, compression_level);
    if (filters != 0) png_set_filter(writer->png, PNG_FILTER_TYPE_BASE, filters);
    png_set_IHDR(writer->png, writer->info, (png_uint_32)width, (png_uint_32)height, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
    const size_t stride = (size_t)width * 3;
    for (int y = 0; y < height; y++) writer->rows[y] = (png_bytep)(rgb + (size_t)y * stride);
    png_set_rows(writer->png, writer->info, writer->rows);
    png_write_png(writer->png, writer->info, PNG_TRANSFORM_IDENTITY, NULL);
    *out = writer->buffer;
    *out_size = writer->size;
    png_destroy_write_struct(&writer->png, &writer->info);
    free(writer->rows);
    free(writer);
    return ML_OK;
}
