/* Allocation in the C core: a failed allocation is an error the caller reports, never a crash.
 *
 * Every function that allocates returns a status: internal ones 0 or PZ_OUT_OF_MEMORY, exported
 * ones PZ_OUT_OF_MEMORY beside their own results (which are never -2), so that Python can raise
 * MemoryError naming the kernel (native/c_backend.py). Whatever was allocated is freed first,
 * and no output of a failed call is valid.
 */
#pragma once
#include <stdint.h>
#include <stdlib.h>
#include "api.h"   /* PZ_OUT_OF_MEMORY */

/* n items of `size` bytes, or NULL when that is more than memory or size_t holds. Never NULL
 * for n = 0 (malloc may answer 0 bytes with NULL), so NULL always means out of memory. */
static inline void *alloc_array(size_t n, size_t size) {
    if (size && n > SIZE_MAX / size) return NULL;
    size_t bytes = n * size;
    return malloc(bytes ? bytes : 1);
}
