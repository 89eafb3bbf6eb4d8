/* Groth16's quotient polynomial the way snarkjs computes it from a .zkey (issue 7).
 *
 * qap_abc: the evaluations of A(x) = sum_s w_s A_s(x) and B(x) on the domain of size n, from the
 * zkey's sparse coefficient records (u32 matrix 0|1, u32 constraint row, u32 signal, 4-limb
 * value), 44 bytes each, unaligned. snarkjs stores each value as coef * 2^512 mod r, so one
 * Montgomery product with the canonical witness value, coef * 2^512 * w / 2^256, is the term
 * coef * w already in Montgomery form: rows accumulate without any conversion.
 *
 * qap_h: with C = A * B pointwise on the domain (the R1CS holds row by row), interpolate A, B
 * and C, evaluate them on the coset g * <w> (snarkjs: g = the 2n-th root of unity, the odd points
 * of the doubled domain) and return A * B - C there. A * B - C vanishes on the domain, so on
 * that coset it is the quotient H times the constant g^n - 1 = -2: the zkey's H points (odd
 * Lagrange points of the doubled domain) are made for these values, and the H MSM takes them as
 * they are.
 */
#pragma once
#include "ntt.h"

#define QAP_RECORD 44

/* a, b: n zeroed Montgomery elements each, filled. Returns -1, or the index of the first
 * record with a matrix other than 0/1, a row >= n, a signal >= nwitness or a value >= r. */
static int64_t qap_abc(fe *a, fe *b, const uint8_t *records, size_t nrecords,
                       const uint64_t *witness, size_t nwitness, size_t n) {
    fe *out[2] = {a, b};
    for (size_t i = 0; i < nrecords; i++) {
        const uint8_t *rec = records + QAP_RECORD * i;
        uint32_t m, c, s; fe v, w, t;
        memcpy(&m, rec, 4); memcpy(&c, rec + 4, 4); memcpy(&s, rec + 8, 4); memcpy(v.v, rec + 12, 32);
        if (m > 1 || c >= n || s >= nwitness || !fe_is_canonical(&v, &FR)) return (int64_t)i;
        memcpy(w.v, witness + 4 * (size_t)s, 32);
        fe_mul(&t, &v, &w, &FR);
        fe_add(&out[m][c], &out[m][c], &t, &FR);
    }
    return -1;
}

/* a, b: Montgomery evaluations on the domain of size 2^log (overwritten); h: Montgomery
 * values of A * B - C on the coset g * <w>, g Montgomery. Returns 0 or PZ_OUT_OF_MEMORY.
 *
 * Each of A, B, C (C = A * B built in h) is interpolated by the inverse stages in decimation in
 * frequency (natural order in, n times the coefficients in bit-reversed order out), scaled, and
 * evaluated by the forward stages in decimation in time (bit-reversed in, natural out): no
 * permutation at all. The scaling by g^j / n of the coefficient j, found at position p = rev(j),
 * comes from two small tables (ntt_scale_tables) and happens between the last inverse and the
 * first forward stages while the block is in cache. The three arrays go through every
 * pass together, and the first and last passes also form C and A * B - C. */
static int qap_h(fe *h, fe *a, fe *b, int log, const fe *g) {
    const fe *tw = ntt_twiddles(log);
    if (!tw) return PZ_OUT_OF_MEMORY;
    ntt_group plan[NTT_MAX_GROUPS];
    int groups = ntt_plan(log, plan);
    fe ninv;
    ntt_inverse_size(&ninv, log);
    fe *scale = ntt_scale_tables(log, plan[0].k, g, &ninv);
    if (!scale) return PZ_OUT_OF_MEMORY;
    fe *polys[3] = {h, a, b};
    int edges = groups == 1 ? QAP_PRODUCT | QAP_FINISH : 0;
    for (int i = groups - 1; i > 0; i--)
        ntt_pass(polys, 3, log, plan[i], tw, NTT_DIF | (i == groups - 1 ? QAP_PRODUCT : 0), NULL);
    ntt_pass(polys, 3, log, plan[0], tw, NTT_DIF | NTT_DIT | edges, scale);
    for (int i = 1; i < groups; i++)
        ntt_pass(polys, 3, log, plan[i], tw, NTT_DIT | (i == groups - 1 ? QAP_FINISH : 0), NULL);
    free(scale);
    return 0;
}
