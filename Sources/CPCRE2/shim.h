#ifndef KEFU_CPCRE2_SHIM_H
#define KEFU_CPCRE2_SHIM_H
// Kefu matches UTF-8 text only: select PCRE2's 8-bit library before including the header.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#endif
