#ifndef MICROLABEL_CNCURSESW_SHIM_H
#define MICROLABEL_CNCURSESW_SHIM_H
// The wide-character API (get_wch, add_wch, cchar_t) is only declared with this set.
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <ncurses.h>
#endif
