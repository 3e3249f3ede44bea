#ifndef MICROLABEL_CZLIB_SHIM_H
#define MICROLABEL_CZLIB_SHIM_H
#include <zlib.h>
#endif
