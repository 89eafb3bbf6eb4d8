/* What the running CPU offers, read at load time, and the thread count shared by both paths.
 * Included once, by the cffi module's own source (native/build.py). */
#pragma once
#include "api.h"
#ifdef _OPENMP
#include <omp.h>
#endif
#ifdef __GLIBC__
#include <malloc.h>
#endif

#if defined(__x86_64__)
#include <cpuid.h>
/* CPUID leaf 7, sub-leaf 0: EBX bit 8 is BMI2 (MULX), bit 19 is ADX (ADCX/ADOX). */
int pz_cpu_has_adx(void) {
    unsigned a, b, c, d;
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return ((b >> 8) & 1) && ((b >> 19) & 1);
}
#else
int pz_cpu_has_adx(void) { return 0; }
#endif

void pz_set_threads(int n) {
#ifdef _OPENMP
    if (n > 0) omp_set_num_threads(n);
    /* start the thread pool now, not inside the first kernel, whose split it would slow */
    #pragma omp parallel
    { }
#else
    (void)n;
#endif
}

int pz_num_threads(void) {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

/* For a process that proves once and exits (groth16 prove): allocations of at least `bytes`
 * get pages of their own and go back to the system when freed. glibc otherwise raises that
 * threshold to the largest block freed so far (up to 32 MiB), after which the freed scratch of
 * the transforms and MSMs stays in its heap and counts toward the proof's peak memory
 * (measured: a 2^20 chain's peak went from 306 to 237 MiB). No-op without glibc. */
void pz_malloc_release_above(size_t bytes) {
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, bytes > (size_t)1 << 30 ? 1 << 30 : (int)bytes);
#else
    (void)bytes;
#endif
}
