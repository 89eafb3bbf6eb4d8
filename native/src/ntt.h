/* Radix-2 number-theoretic transform over Fr (Montgomery elements), sizes 2^0 .. 2^28.
 *
 * Forward: A_k = sum_j a_j w^(jk), w = 5^((r-1)/n) (the root snarkjs/ffjavascript use: 5 is the
 * least quadratic non-residue mod r); natural order in and out. Inverse: forward, then index
 * k -> -k and a factor 1/n. Coset forms multiply a_j by g^j before (forward) or g^-j after
 * (inverse), i.e. evaluate at / interpolate from the points g * w^k.
 *
 * Twiddles: one table shared by all sizes, tw[h + j] = w_(2h)^j for j < h and every power of two
 * h up to the largest transform seen so far (2h entries in all, so 512 MB at 2^24). It only ever
 * grows; an outgrown table is kept (not freed) because another thread may still be reading it.
 * A table that cannot grow stays as it was: the transform fails before touching its input.
 * The first log2(NTT_BLOCK) stages run block by block in cache; the rest stage by stage, both
 * split across the OpenMP threads.
 */
#pragma once
#include <pthread.h>
#include <stdlib.h>
#include "alloc.h"
#include "field.h"
#include "threads.h"
#ifdef _OPENMP
#include <omp.h>
#endif

#define NTT_MAX_LOG 28
#define NTT_BLOCK_LOG 11

static fe *volatile ntt_tw = NULL;
static volatile size_t ntt_tw_half = 0;  /* the largest h in the table */
static pthread_mutex_t ntt_lock = PTHREAD_MUTEX_INITIALIZER;

/* w_(2^log) in Montgomery form: 5^((r-1) >> log) */
static void ntt_root(fe *w, int log) {
    uint64_t e[4] = FR_MODULUS;
    e[0] -= 1;
    for (int i = 0; i < log; i++) {
        for (int j = 0; j < 3; j++) e[j] = (e[j] >> 1) | (e[j + 1] << 63);
        e[3] >>= 1;
    }
    fe five = {{5, 0, 0, 0}};
    fe_to_mont(&five, &five, &FR);
    fe_pow(w, &five, e, 4, &FR);
}

/* dst[j] = start g^j (scale 0) or dst[j] *= start g^j (scale 1) for j < n (g, start Montgomery),
 * in chunks that each start from start g^lo, so the threads need no running product. */
static void ntt_powers(fe *dst, size_t n, const fe *g, const fe *start, int scale) {
    size_t chunk = 4096, nchunks = (n + chunk - 1) / chunk;
    team t = team_begin(nchunks, 1);
    #pragma omp parallel num_threads(t.threads)
    {
        int64_t cpu = team_thread_start(t);
        #pragma omp for schedule(static) nowait
        for (size_t c = 0; c < nchunks; c++) {
            size_t lo = c * chunk, hi = lo + chunk < n ? lo + chunk : n;
            uint64_t e[1] = {lo};
            fe t;
            fe_pow(&t, g, e, 1, &FR);
            fe_mul(&t, &t, start, &FR);
            for (size_t j = lo; j < hi; j++) {
                if (scale) fe_mul(&dst[j], &dst[j], &t, &FR);
                else dst[j] = t;
                fe_mul(&t, &t, g, &FR);
            }
        }
        team_thread_end(t, cpu);
    }
    team_end(t);
}

/* The twiddle table for transforms of 2^log elements: every stage up to h = 2^(log-1) (at least
 * h = 1, so that the table exists); NULL when it had to grow and could not. The new table is
 * published only once it is filled. */
static const fe *ntt_twiddles(int log) {
    size_t half = log > 0 ? (size_t)1 << (log - 1) : 1;
    if (ntt_tw_half >= half) return ntt_tw;
    pthread_mutex_lock(&ntt_lock);
    if (ntt_tw_half < half) {
        fe *tw = alloc_array(2 * half, sizeof *tw);
        if (!tw) { pthread_mutex_unlock(&ntt_lock); return NULL; }
        tw[0] = FR.one;
        int log = 1;
        for (size_t h = 1; h <= half; h <<= 1, log++) {
            fe w;
            ntt_root(&w, log);
            ntt_powers(tw + h, h, &w, &FR.one, 0);
        }
        __atomic_store_n(&ntt_tw, tw, __ATOMIC_RELEASE);
        __atomic_store_n(&ntt_tw_half, half, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&ntt_lock);
    return ntt_tw;
}

static inline size_t ntt_rev(size_t x, int log) {
    size_t r = 0;
    for (int i = 0; i < log; i++) { r = (r << 1) | (x & 1); x >>= 1; }
    return r;
}

static inline void ntt_butterfly(fe *a, fe *b, const fe *w) {
    fe v;
    fe_mul(&v, b, w, &FR);
    fe_sub(b, a, &v, &FR);
    fe_add(a, a, &v, &FR);
}

/* In-place forward transform of 2^log Montgomery elements, with twiddles tw = ntt_twiddles(log). */
static void ntt_forward(fe *a, int log, const fe *tw) {
    size_t n = (size_t)1 << log;
    if (n == 1) return;
    team swaps = team_begin(n, 16384);
    #pragma omp parallel num_threads(swaps.threads)
    {
        int64_t cpu = team_thread_start(swaps);
        #pragma omp for schedule(static) nowait
        for (size_t i = 0; i < n; i++) {
            size_t j = ntt_rev(i, log);
            if (i < j) { fe t = a[i]; a[i] = a[j]; a[j] = t; }
        }
        team_thread_end(swaps, cpu);
    }
    team_end(swaps);
    int blog = log < NTT_BLOCK_LOG ? log : NTT_BLOCK_LOG;
    size_t bsize = (size_t)1 << blog, nblocks = n >> blog;
    team blocks = team_begin(nblocks, 1);
    #pragma omp parallel num_threads(blocks.threads)
    {
        int64_t cpu = team_thread_start(blocks);
        #pragma omp for schedule(static) nowait
        for (size_t blk = 0; blk < nblocks; blk++) {
            fe *x = a + blk * bsize;
            for (size_t h = 1; h < bsize; h <<= 1)
                for (size_t s = 0; s < bsize; s += 2 * h)
                    for (size_t j = 0; j < h; j++) ntt_butterfly(&x[s + j], &x[s + j + h], &tw[h + j]);
        }
        team_thread_end(blocks, cpu);
    }
    team_end(blocks);
    for (int lh = blog; lh < log; lh++) {
        size_t h = (size_t)1 << lh;
        team stage = team_begin(n / 2, 4096);
        #pragma omp parallel num_threads(stage.threads)
        {
            int64_t cpu = team_thread_start(stage);
            #pragma omp for schedule(static) nowait
            for (size_t t = 0; t < n / 2; t++) {
                size_t j = t & (h - 1), i0 = ((t >> lh) << (lh + 1)) + j;
                ntt_butterfly(&a[i0], &a[i0 + h], &tw[h + j]);
            }
            team_thread_end(stage, cpu);
        }
        team_end(stage);
    }
}

/* inverse: 0/1; shift: Montgomery coset generator or NULL. Returns 0, or PZ_OUT_OF_MEMORY with
 * a untouched. */
static int ntt(fe *a, int log, int inverse, const fe *shift) {
    size_t n = (size_t)1 << log;
    const fe *tw = ntt_twiddles(log);
    if (!tw) return PZ_OUT_OF_MEMORY;
    if (!inverse) {
        if (shift) ntt_powers(a, n, shift, &FR.one, 1);
        ntt_forward(a, log, tw);
        return 0;
    }
    ntt_forward(a, log, tw);
    for (size_t i = 1; i < n - i; i++) { fe t = a[i]; a[i] = a[n - i]; a[n - i] = t; }
    fe ninv = {{n, 0, 0, 0}};
    fe_to_mont(&ninv, &ninv, &FR);
    fe_inv(&ninv, &ninv, &FR);
    if (shift) {
        fe ginv;
        fe_inv(&ginv, shift, &FR);
        ntt_powers(a, n, &ginv, &ninv, 1);
    } else {
        team t = team_begin(n, 8192);
        #pragma omp parallel num_threads(t.threads)
        {
            int64_t cpu = team_thread_start(t);
            #pragma omp for schedule(static) nowait
            for (size_t i = 0; i < n; i++) fe_mul(&a[i], &a[i], &ninv, &FR);
            team_thread_end(t, cpu);
        }
        team_end(t);
    }
    return 0;
}
