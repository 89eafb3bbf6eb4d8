/* Radix-2 number-theoretic transform over Fr (Montgomery elements), sizes 2^0 .. 2^28.
 *
 * Forward: A_k = sum_j a_j w^(jk), w = 5^((r-1)/n) (the root snarkjs/ffjavascript use: 5 is the
 * least quadratic non-residue mod r); natural order in and out. Inverse: the coefficients from
 * those values, a_j = (1/n) sum_k A_k w^(-jk). Coset forms multiply a_j by g^j before (forward) or
 * g^-j after (inverse), i.e. evaluate at / interpolate from the points g * w^k.
 *
 * Twiddles: one table shared by all sizes, tw[h + j] = w_(2h)^j for j < h and every power of two
 * h up to the largest transform seen so far (2h entries in all, so 512 MB at 2^24). It only ever
 * grows; an outgrown table is kept (not freed) because another thread may still be reading it.
 * A table that cannot grow stays as it was: the transform fails before touching its input. The
 * inverse stages read the same table: w_(2h)^-j = -w_(2h)^(h-j).
 *
 * Memory traffic, not arithmetic alone, bounds the large sizes: a stage by stage transform of
 * 2^22 elements (128 MB) streams the array through memory once per stage. Here the stages run in
 * groups, one pass over memory each (ntt_plan): the first 11 on blocks of 2^11 consecutive
 * elements (64 KB), the rest up to 6 at a time on tiles of 64 rows x 8 columns (16 KB), so 2^20
 * takes 3 passes and 2^22 3 (plus the bit reversal) where it took 10 and 12. The forward
 * transform is decimation in time (bit-reversed in, natural out), the inverse decimation in
 * frequency (natural in, bit-reversed out); the factors of the coset and of 1/n are applied in
 * the bit-reversed order of the block pass from two small tables (ntt_scale_tables), and qap.h
 * chains an inverse and a forward transform with no permutation in between.
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
#define NTT_BLOCK_LOG 11    /* the first stages on blocks of 2^11 elements (64 KB, in L2) */
#define NTT_TILE_LOG 6      /* the later ones at most 6 at a time, on tiles of 2^6 rows ... */
#define NTT_TILE_COLS 8     /* ... of 8 consecutive elements (16 KB, in L1) */

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

/* dst[j] = start g^j for j < n (g, start Montgomery), in chunks that each start from start g^lo,
 * so the threads need no running product. */
static void ntt_powers(fe *dst, size_t n, const fe *g, const fe *start) {
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
                dst[j] = t;
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
            ntt_powers(tw + h, h, &w, &FR.one);
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

/* a[i] <-> a[rev(i)], in place. */
static void ntt_bitrev(fe *a, int log) {
    size_t n = (size_t)1 << log;
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
}

static inline void ntt_butterfly(fe *a, fe *b, const fe *w) {
    fe v;
    fe_mul(&v, b, w, &FR);
    fe_sub(b, a, &v, &FR);
    fe_add(a, a, &v, &FR);
}

/* The decimation-in-frequency butterfly of the inverse transform, (a, b) -> (a + b, (a - b) w^-j),
 * with w^-j = -w^(h-j) = -tw[2h - j] (j > 0): the forward table serves both directions. */
static inline void ntt_butterfly_inv(fe *a, fe *b, const fe *w_h_minus_j) {
    fe d;
    fe_sub(&d, b, a, &FR);
    fe_add(a, a, b, &FR);
    fe_mul(b, &d, w_h_minus_j, &FR);
}

/* Stages s .. s+k-1, the butterflies of span 2^s .. 2^(s+k-1): one pass over memory. */
typedef struct { int s, k; } ntt_group;

#define NTT_MAX_GROUPS 8

/* The passes of a transform of 2^log elements: the first NTT_BLOCK_LOG stages on blocks of
 * consecutive elements, then the rest in near-equal groups of at most NTT_TILE_LOG stages, each
 * group on tiles (see ntt_pass). Returns how many groups. */
static int ntt_plan(int log, ntt_group *plan) {
    int k0 = log < NTT_BLOCK_LOG ? log : NTT_BLOCK_LOG, rest = log - k0;
    int more = (rest + NTT_TILE_LOG - 1) / NTT_TILE_LOG;
    plan[0] = (ntt_group){0, k0};
    for (int i = 0, s = k0; i < more; i++) {
        int k = rest / more + (i < rest % more);
        plan[i + 1] = (ntt_group){s, k};
        s += k;
    }
    return 1 + more;
}

/* len butterflies of lo[e] with hi[e] at stage span h, twiddle exponents j .. j + len - 1.
 * forward: DIT with w; else DIF with w^-1. */
static inline void ntt_run(fe *lo, fe *hi, size_t len, size_t j, size_t h, const fe *tw, int forward) {
    size_t e = 0;
    if (j == 0) {   /* w^0 = 1: no product (all of stage 0, half of stage 1, ...) */
        fe d;
        fe_sub(&d, &lo[0], &hi[0], &FR);
        fe_add(&lo[0], &lo[0], &hi[0], &FR);
        hi[0] = d;
        e = 1;
    }
    if (forward)
        for (; e < len; e++) ntt_butterfly(&lo[e], &hi[e], &tw[h + j + e]);
    else
        for (; e < len; e++) ntt_butterfly_inv(&lo[e], &hi[e], &tw[2 * h - j - e]);
}

/* The stages of g on one unit of 2^g.k rows of `cols` elements in x, row m holding the elements
 * m 2^g.s + j0 + u (u < cols) of the array, j0 < 2^g.s: their butterflies pair row m with row
 * m + 2^r at stage g.s + r, with twiddle exponent (m mod 2^r) 2^g.s + j0 + u. forward: DIT with
 * w, stages ascending; else DIF with w^-1, stages descending. In a block (g.s = 0, one column)
 * the exponents of the 2^r rows run on, so they make one run. */
static void ntt_unit(fe *x, ntt_group g, size_t cols, size_t j0, const fe *tw, int forward) {
    size_t rows = (size_t)1 << g.k;
    for (int q = 0; q < g.k; q++) {
        int r = forward ? q : g.k - 1 - q;
        size_t hr = (size_t)1 << r, h = hr << g.s;
        for (size_t m0 = 0; m0 < rows; m0 += 2 * hr) {
            fe *lo = x + m0 * cols, *hi = lo + hr * cols;
            if (g.s == 0) ntt_run(lo, hi, hr, 0, h, tw, forward);
            else
                for (size_t m = 0; m < hr; m++)
                    ntt_run(lo + m * cols, hi + m * cols, cols, (m << g.s) + j0, h, tw, forward);
        }
    }
}

/* ntt_unit on the unit at base of each array: in place when its rows are consecutive, else
 * through buf. */
static inline void ntt_unit_all(fe *const *polys, int npolys, ntt_group g, size_t base, size_t cols, size_t j0,
                                const fe *tw, int forward, fe *buf) {
    size_t rows = (size_t)1 << g.k;
    int in_place = cols == (size_t)1 << g.s;
    for (int p = 0; p < npolys; p++) {
        fe *x = in_place ? polys[p] + base : buf;
        if (!in_place)
            for (size_t m = 0; m < rows; m++) memcpy(x + m * cols, polys[p] + base + (m << g.s), cols * sizeof *x);
        ntt_unit(x, g, cols, j0, tw, forward);
        if (!in_place)
            for (size_t m = 0; m < rows; m++) memcpy(polys[p] + base + (m << g.s), x + m * cols, cols * sizeof *x);
    }
}

enum {
    NTT_DIT = 1,        /* forward stages, bit-reversed in, natural out */
    NTT_DIF = 2,        /* inverse stages (w^-1, no 1/n), natural in, bit-reversed out */
    QAP_PRODUCT = 4,    /* first: polys[0] = polys[1] * polys[2] */
    QAP_FINISH = 8,     /* last: polys[0] = polys[1] * polys[2] - polys[0] */
};

/* One pass of group g over each of the npolys arrays of 2^log elements, unit by unit, the units
 * split across the threads. A unit is 2^g.k rows of `cols` consecutive elements 2^g.s apart: for
 * g.s = 0 a block of consecutive elements, transformed in place; otherwise a tile of at most
 * NTT_TILE_COLS columns, copied into a buffer (rows 2^s apart would fall into the same cache sets),
 * transformed there and copied back. Per unit, each over every array (so that the three arrays of
 * qap_h share the unit's twiddles and factors): QAP_PRODUCT, the DIF stages, the scaling, the DIT
 * stages, QAP_FINISH. scale (s = 0 only): element i of block hb times scale[i] scale[2^k + hb],
 * as ntt_scale_tables makes them. */
static void ntt_pass(fe *const *polys, int npolys, int log, ntt_group g, const fe *tw, int flags,
                     const fe *scale) {
    size_t n = (size_t)1 << log, span = (size_t)1 << g.s, rows = (size_t)1 << g.k;
    size_t cols = span < NTT_TILE_COLS ? span : NTT_TILE_COLS, per = span / cols;
    size_t units = (n >> (g.s + g.k)) * per;
    team t = team_begin(units, 1);
    #pragma omp parallel num_threads(t.threads)
    {
        int64_t cpu = team_thread_start(t);
        fe buf[((size_t)1 << NTT_TILE_LOG) * NTT_TILE_COLS];
        #pragma omp for schedule(static) nowait
        for (size_t unit = 0; unit < units; unit++) {
            size_t j0 = (unit % per) * cols, base = ((unit / per) << (g.s + g.k)) + j0;
            if (flags & QAP_PRODUCT)
                for (size_t m = 0; m < rows; m++)
                    for (size_t u = 0, i = base + (m << g.s); u < cols; u++, i++)
                        fe_mul(&polys[0][i], &polys[1][i], &polys[2][i], &FR);
            if (flags & NTT_DIF) ntt_unit_all(polys, npolys, g, base, cols, j0, tw, 0, buf);
            if (scale)
                for (size_t i = 0; i < rows; i++) {
                    fe f;
                    fe_mul(&f, &scale[i], &scale[rows + unit], &FR);
                    for (int p = 0; p < npolys; p++) fe_mul(&polys[p][base + i], &polys[p][base + i], &f, &FR);
                }
            if (flags & NTT_DIT) ntt_unit_all(polys, npolys, g, base, cols, j0, tw, 1, buf);
            if (flags & QAP_FINISH)
                for (size_t m = 0; m < rows; m++)
                    for (size_t u = 0, i = base + (m << g.s); u < cols; u++, i++) {
                        fe ab;
                        fe_mul(&ab, &polys[1][i], &polys[2][i], &FR);
                        fe_sub(&polys[0][i], &ab, &polys[0][i], &FR);
                    }
        }
        team_thread_end(t, cpu);
    }
    team_end(t);
}

/* The factors start g^rev(p) for the positions p = hb 2^k + i of 2^log elements in bit-reversed
 * order (rev over log bits), as two small tables in one allocation: T1[i] = (g^(2^(log-k)))^rev_k(i)
 * for i < 2^k, then T2[hb] = start g^rev_(log-k)(hb), the factor being T1[i] T2[hb]. So a
 * transform scales in the bit-reversed order its stages work in, inside the block pass. NULL when
 * out of memory. */
static fe *ntt_scale_tables(int log, int k, const fe *g, const fe *start) {
    size_t rows = (size_t)1 << k, blocks = (size_t)1 << (log - k);
    fe *scale = alloc_array(rows + blocks, sizeof *scale), gb;
    if (!scale) return NULL;
    uint64_t e[1] = {blocks};
    fe_pow(&gb, g, e, 1, &FR);
    ntt_powers(scale, rows, &gb, &FR.one);
    ntt_bitrev(scale, k);
    ntt_powers(scale + rows, blocks, g, start);
    ntt_bitrev(scale + rows, log - k);
    return scale;
}

/* 1/2^log in Montgomery form */
static void ntt_inverse_size(fe *ninv, int log) {
    *ninv = (fe){{(uint64_t)1 << log, 0, 0, 0}};
    fe_to_mont(ninv, ninv, &FR);
    fe_inv(ninv, ninv, &FR);
}

/* In place, natural order in and out. inverse: 0/1; shift: Montgomery coset generator or NULL.
 * Forward: bit reversal, then the DIT passes, the coset factors g^j applied in the first.
 * Inverse: the DIF passes, the last one scaling by g^-j / n, then bit reversal. Returns 0, or
 * PZ_OUT_OF_MEMORY with a untouched. */
static int ntt(fe *a, int log, int inverse, const fe *shift) {
    const fe *tw = ntt_twiddles(log);
    if (!tw) return PZ_OUT_OF_MEMORY;
    ntt_group plan[NTT_MAX_GROUPS];
    int groups = ntt_plan(log, plan);
    fe g = shift ? *shift : FR.one, start = FR.one, *scale = NULL;
    if (inverse) {
        fe_inv(&g, &g, &FR);
        ntt_inverse_size(&start, log);
    }
    if (inverse || shift) {
        scale = ntt_scale_tables(log, plan[0].k, &g, &start);
        if (!scale) return PZ_OUT_OF_MEMORY;
    }
    if (!inverse) {
        ntt_bitrev(a, log);
        for (int i = 0; i < groups; i++) ntt_pass(&a, 1, log, plan[i], tw, NTT_DIT, i ? NULL : scale);
    } else {
        for (int i = groups - 1; i >= 0; i--) ntt_pass(&a, 1, log, plan[i], tw, NTT_DIF, i ? NULL : scale);
        ntt_bitrev(a, log);
    }
    free(scale);
    return 0;
}
