#ifndef MICROLABEL_CPNG_SHIM_H
#define MICROLABEL_CPNG_SHIM_H
#include <png.h>
#endif
