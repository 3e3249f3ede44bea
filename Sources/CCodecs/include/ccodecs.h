#ifndef MICROLABEL_CCODECS_H
#define MICROLABEL_CCODECS_H
#include <stddef.h>
#include <stdint.h>
// placeholder; the Imaging work fills this in.
int ml_codecs_version(void);
#endif
