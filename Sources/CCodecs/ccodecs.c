#include "ccodecs.h"
int ml_codecs_version(void) { return 1; }
