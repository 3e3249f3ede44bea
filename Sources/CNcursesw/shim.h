#ifndef MICROLABEL_CNCURSESW_SHIM_H
#define MICROLABEL_CNCURSESW_SHIM_H
// The wide-character API (get_wch, add_wch, cchar_t) is only declared with this set.
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <ncurses.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

// Macros and global variables of curses are not imported into Swift (or are
// mutable globals Swift 6 refuses to read): each gets a small function here.

static inline WINDOW *ml_stdscr(void) { return stdscr; }
static inline int ml_lines(void) { return LINES; }
static inline int ml_cols(void) { return COLS; }
static inline int ml_colors(void) { return COLORS; }
static inline int ml_color_pairs(void) { return COLOR_PAIRS; }
static inline int ml_err(void) { return ERR; }
static inline int ml_ok(void) { return OK; }

static inline int ml_color_pair(int n) { return (int)COLOR_PAIR(n); }
static inline int ml_a_normal(void) { return (int)A_NORMAL; }
static inline int ml_a_bold(void) { return (int)A_BOLD; }
static inline int ml_a_reverse(void) { return (int)A_REVERSE; }
static inline int ml_a_underline(void) { return (int)A_UNDERLINE; }
static inline int ml_a_dim(void) { return (int)A_DIM; }

static inline int ml_key_down(void) { return KEY_DOWN; }
static inline int ml_key_up(void) { return KEY_UP; }
static inline int ml_key_left(void) { return KEY_LEFT; }
static inline int ml_key_right(void) { return KEY_RIGHT; }
static inline int ml_key_sleft(void) { return KEY_SLEFT; }
static inline int ml_key_sright(void) { return KEY_SRIGHT; }
static inline int ml_key_sr(void) { return KEY_SR; }   /* shift+up in xterm terminfo */
static inline int ml_key_sf(void) { return KEY_SF; }   /* shift+down in xterm terminfo */
static inline int ml_key_home(void) { return KEY_HOME; }
static inline int ml_key_end(void) { return KEY_END; }
static inline int ml_key_npage(void) { return KEY_NPAGE; }
static inline int ml_key_ppage(void) { return KEY_PPAGE; }
static inline int ml_key_dc(void) { return KEY_DC; }
static inline int ml_key_backspace(void) { return KEY_BACKSPACE; }
static inline int ml_key_enter(void) { return KEY_ENTER; }
static inline int ml_key_btab(void) { return KEY_BTAB; }
static inline int ml_key_resize(void) { return KEY_RESIZE; }
static inline int ml_key_mouse(void) { return KEY_MOUSE; }
static inline int ml_key_max(void) { return KEY_MAX; }

/// Writes raw bytes to the terminal through curses' own stdout buffer, so they
/// stay ordered with what curses has written.
static inline void ml_write_raw(const char *bytes, size_t count) {
    fwrite(bytes, 1, count, stdout);
}
static inline void ml_flush(void) { fflush(stdout); }

static inline int ml_attrset(WINDOW *w, int attr) { return wattrset(w, attr); }
static inline int ml_move_addstr(WINDOW *w, int y, int x, const char *s) { return mvwaddstr(w, y, x, s); }
static inline int ml_bkgd(WINDOW *w, int attr) { return wbkgd(w, (chtype)attr); }
static inline int ml_is_tty(int fd) { return isatty(fd); }
/// A curses screen on standard output and input; NULL when the terminal is unknown.
static inline SCREEN *ml_newterm(void) { return newterm(NULL, stdout, stdin); }
/// Looks `term` up in terminfo without starting curses: 0 when it can place the cursor
/// (cup), 1 when it cannot, 2 when it is a hard-copy terminal, -1 when terminfo has no entry.
int setupterm(const char *, int, int *);
static inline int ml_terminal_addressing(const char *term, int fd) {
    int status = 0;
    if (setupterm(term, fd, &status) != OK) return -1;
    int result = 0;
    const char *cup = tigetstr("cup");
    if (tigetflag("hc") > 0) result = 2;
    else if (cup == NULL || cup == (char *)-1) result = 1;
    return result;
}
#endif
