/* The portable path: plain C (128-bit products, no inline assembly), the path of every machine
 * without the x86-64 assembly, and tested beside it on x86-64. */
#define PZ_PATH portable
#define PZ_ASM 0
#include "api.c"
