#ifndef KEFU_CZLIB_SHIM_H
#define KEFU_CZLIB_SHIM_H
// gzip for W3C Bitstring Status Lists (Debian: zlib1g-dev).
#include <zlib.h>
#endif
