/* The extension tower of BN254:
 *   Fp2  = Fp[u]  / (u^2 + 1)
 *   Fp6  = Fp2[v] / (v^3 - xi),  xi = 9 + u
 *   Fp12 = Fp6[w] / (w^2 - v)
 * so w^6 = xi, and an Fp12 element is sum over i of c_i w^i with c_i in Fp2, where
 * (c0.c0, c0.c1, c0.c2, c1.c0, c1.c1, c1.c2) are the coefficients of (w^0, w^2, w^4, w^1, w^3, w^5).
 */
#pragma once
#include "field.h"

typedef struct { fe c0, c1; } fp2;
typedef struct { fp2 c0, c1, c2; } fp6;
typedef struct { fp6 c0, c1; } fp12;

/* ---- Fp2 ---- */
static inline int fp2_is_zero(const fp2 *a) { return fe_is_zero(&a->c0) && fe_is_zero(&a->c1); }
static inline int fp2_equal(const fp2 *a, const fp2 *b) { return fe_equal(&a->c0, &b->c0) && fe_equal(&a->c1, &b->c1); }
static inline void fp2_zero(fp2 *r) { memset(r, 0, sizeof *r); }
static inline void fp2_one(fp2 *r) { r->c0 = FP.one; memset(&r->c1, 0, sizeof r->c1); }

static inline void fp2_add(fp2 *r, const fp2 *a, const fp2 *b) { fp_add(&r->c0, &a->c0, &b->c0); fp_add(&r->c1, &a->c1, &b->c1); }
static inline void fp2_sub(fp2 *r, const fp2 *a, const fp2 *b) { fp_sub(&r->c0, &a->c0, &b->c0); fp_sub(&r->c1, &a->c1, &b->c1); }
static inline void fp2_dbl(fp2 *r, const fp2 *a) { fp_dbl(&r->c0, &a->c0); fp_dbl(&r->c1, &a->c1); }
static inline void fp2_neg(fp2 *r, const fp2 *a) { fp_neg(&r->c0, &a->c0); fp_neg(&r->c1, &a->c1); }
static inline void fp2_conj(fp2 *r, const fp2 *a) { r->c0 = a->c0; fp_neg(&r->c1, &a->c1); }

#ifdef FE_HAVE_WIDE
/* t -= u on 512-bit values; returns the borrow. */
static inline uint64_t wide_sub(uint64_t t[8], const uint64_t u[8]) {
    uint64_t borrow = 0;
    for (int i = 0; i < 8; i++) borrow = sub_borrow(t[i], u[i], borrow, &t[i]);
    return borrow;
}

/* Karatsuba with lazy reduction: three 512-bit products, two Montgomery reductions.
 * c0 = a0 b0 - a1 b1 (plus m * 2^256 when negative), c1 = (a0 + a1)(b0 + b1) - a0 b0 - a1 b1;
 * both stay below m * 2^256, the bound REDC needs. */
static inline void fp2_mul(fp2 *r, const fp2 *a, const fp2 *b) {
    uint64_t t0[8], t1[8], t2[8];
    fe sa, sb;  /* a0 + a1 and b0 + b1 as integers (< 2m < 2^255), not reduced */
    fe_add_unreduced(&sa, &a->c0, &a->c1);
    fe_add_unreduced(&sb, &b->c0, &b->c1);
    fe_mul_wide(t0, &a->c0, &b->c0);
    fe_mul_wide(t1, &a->c1, &b->c1);
    fe_mul_wide(t2, &sa, &sb);
    wide_sub(t2, t0);
    wide_sub(t2, t1);
    uint64_t mask = -wide_sub(t0, t1), carry = 0;
    for (int i = 0; i < 4; i++) carry = add_carry(t0[4 + i], FP.modulus.v[i] & mask, carry, &t0[4 + i]);
    fe_redc(&r->c0, t0, &FP);
    fe_redc(&r->c1, t2, &FP);
}
#else
/* Karatsuba: 3 base multiplications. */
static inline void fp2_mul(fp2 *r, const fp2 *a, const fp2 *b) {
    fe t0, t1, s0, s1;
    fp_mul(&t0, &a->c0, &b->c0);
    fp_mul(&t1, &a->c1, &b->c1);
    fp_add(&s0, &a->c0, &a->c1);
    fp_add(&s1, &b->c0, &b->c1);
    fp_mul(&s0, &s0, &s1);
    fp_sub(&r->c0, &t0, &t1);
    fp_sub(&s0, &s0, &t0);
    fp_sub(&r->c1, &s0, &t1);
}
#endif

/* (a0 + a1 u)^2 = (a0 + a1)(a0 - a1) + 2 a0 a1 u */
static inline void fp2_sqr(fp2 *r, const fp2 *a) {
    fe s, d, twice_a1;  /* unreduced, below 2p: the products need no reduced inputs */
    fe_add_unreduced(&s, &a->c0, &a->c1);
    fe_sub_unreduced(&d, &a->c0, &a->c1, &FP);
    fe_add_unreduced(&twice_a1, &a->c1, &a->c1);
    fp_mul(&r->c1, &a->c0, &twice_a1);
    fp_mul(&r->c0, &s, &d);
}

static inline void fp2_mul_fp(fp2 *r, const fp2 *a, const fe *b) { fp_mul(&r->c0, &a->c0, b); fp_mul(&r->c1, &a->c1, b); }
static inline void fp2_half(fp2 *r, const fp2 *a) { fe_half(&r->c0, &a->c0, &FP); fe_half(&r->c1, &a->c1, &FP); }

/* times xi = 9 + u: (9 a0 - a1) + (a0 + 9 a1) u */
static inline void fp2_mul_xi(fp2 *r, const fp2 *a) {
#ifdef FP_HAVE_NINE_X
    fe c0;
    fp_nine_x_minus_y(&c0, &a->c0, &a->c1);
    fp_nine_x_plus_y(&r->c1, &a->c1, &a->c0);
    r->c0 = c0;
#else
    fe t0, t1, a0 = a->c0;
    fp_dbl(&t0, &a->c0); fp_dbl(&t0, &t0); fp_dbl(&t0, &t0); fp_add(&t0, &t0, &a->c0);   /* 9 a0 */
    fp_dbl(&t1, &a->c1); fp_dbl(&t1, &t1); fp_dbl(&t1, &t1); fp_add(&t1, &t1, &a->c1);   /* 9 a1 */
    fp_sub(&r->c0, &t0, &a->c1);
    fp_add(&r->c1, &a0, &t1);
#endif
}

static inline void fp2_inv(fp2 *r, const fp2 *a) {
    fe n, t;
    fp_sqr(&n, &a->c0);
    fp_sqr(&t, &a->c1);
    fp_add(&n, &n, &t);
    fp_inv(&n, &n);
    fp_mul(&r->c0, &a->c0, &n);
    fp_mul(&t, &a->c1, &n);
    fp_neg(&r->c1, &t);
}

/* ---- Fp6 ---- */
static inline void fp6_add(fp6 *r, const fp6 *a, const fp6 *b) { fp2_add(&r->c0, &a->c0, &b->c0); fp2_add(&r->c1, &a->c1, &b->c1); fp2_add(&r->c2, &a->c2, &b->c2); }
static inline void fp6_sub(fp6 *r, const fp6 *a, const fp6 *b) { fp2_sub(&r->c0, &a->c0, &b->c0); fp2_sub(&r->c1, &a->c1, &b->c1); fp2_sub(&r->c2, &a->c2, &b->c2); }
static inline void fp6_neg(fp6 *r, const fp6 *a) { fp2_neg(&r->c0, &a->c0); fp2_neg(&r->c1, &a->c1); fp2_neg(&r->c2, &a->c2); }

/* times v: (a0, a1, a2) -> (xi a2, a0, a1) */
static inline void fp6_mul_v(fp6 *r, const fp6 *a) {
    fp2 t;
    fp2_mul_xi(&t, &a->c2);
    r->c2 = a->c1;
    r->c1 = a->c0;
    r->c0 = t;
}

/* Karatsuba-style: 6 Fp2 multiplications. */
static inline void fp6_mul(fp6 *r, const fp6 *a, const fp6 *b) {
    fp2 t0, t1, t2, s, u, c0, c1, c2;
    fp2_mul(&t0, &a->c0, &b->c0);
    fp2_mul(&t1, &a->c1, &b->c1);
    fp2_mul(&t2, &a->c2, &b->c2);
    fp2_add(&s, &a->c1, &a->c2); fp2_add(&u, &b->c1, &b->c2); fp2_mul(&s, &s, &u);
    fp2_sub(&s, &s, &t1); fp2_sub(&s, &s, &t2); fp2_mul_xi(&s, &s); fp2_add(&c0, &s, &t0);
    fp2_add(&s, &a->c0, &a->c1); fp2_add(&u, &b->c0, &b->c1); fp2_mul(&s, &s, &u);
    fp2_sub(&s, &s, &t0); fp2_sub(&s, &s, &t1); fp2_mul_xi(&u, &t2); fp2_add(&c1, &s, &u);
    fp2_add(&s, &a->c0, &a->c2); fp2_add(&u, &b->c0, &b->c2); fp2_mul(&s, &s, &u);
    fp2_sub(&s, &s, &t0); fp2_sub(&s, &s, &t2); fp2_add(&c2, &s, &t1);
    r->c0 = c0; r->c1 = c1; r->c2 = c2;
}

/* Chung-Hasan SQR2: 2 multiplications and 3 squarings in Fp2. */
static inline void fp6_sqr(fp6 *r, const fp6 *a) {
    fp2 s0, s1, s2, s3, s4, t;
    fp2_sqr(&s0, &a->c0);
    fp2_mul(&s1, &a->c0, &a->c1); fp2_dbl(&s1, &s1);
    fp2_sub(&t, &a->c0, &a->c1); fp2_add(&t, &t, &a->c2); fp2_sqr(&s2, &t);
    fp2_mul(&s3, &a->c1, &a->c2); fp2_dbl(&s3, &s3);
    fp2_sqr(&s4, &a->c2);
    fp2_mul_xi(&t, &s3); fp2_add(&r->c0, &s0, &t);
    fp2_mul_xi(&t, &s4); fp2_add(&t, &t, &s1);
    fp2 c2;
    fp2_add(&c2, &s1, &s2); fp2_add(&c2, &c2, &s3); fp2_sub(&c2, &c2, &s0); fp2_sub(&c2, &c2, &s4);
    r->c1 = t; r->c2 = c2;
}

/* times the sparse (b0 + b1 v) */
static inline void fp6_mul_01(fp6 *r, const fp6 *a, const fp2 *b0, const fp2 *b1) {
    fp2 aa, bb, t1, t2, t3, s, u;
    fp2_mul(&aa, &a->c0, b0);
    fp2_mul(&bb, &a->c1, b1);
    fp2_mul(&t1, &a->c2, b1); fp2_mul_xi(&t1, &t1); fp2_add(&t1, &t1, &aa);
    fp2_add(&s, b0, b1); fp2_add(&u, &a->c0, &a->c1); fp2_mul(&t2, &s, &u); fp2_sub(&t2, &t2, &aa); fp2_sub(&t2, &t2, &bb);
    fp2_mul(&t3, &a->c2, b0); fp2_add(&t3, &t3, &bb);
    r->c0 = t1; r->c1 = t2; r->c2 = t3;
}

static inline void fp6_mul_fp2(fp6 *r, const fp6 *a, const fp2 *b) { fp2_mul(&r->c0, &a->c0, b); fp2_mul(&r->c1, &a->c1, b); fp2_mul(&r->c2, &a->c2, b); }

static inline void fp6_inv(fp6 *r, const fp6 *a) {
    fp2 c0, c1, c2, t, s;
    fp2_sqr(&c0, &a->c0); fp2_mul(&t, &a->c1, &a->c2); fp2_mul_xi(&t, &t); fp2_sub(&c0, &c0, &t);
    fp2_sqr(&c1, &a->c2); fp2_mul_xi(&c1, &c1); fp2_mul(&t, &a->c0, &a->c1); fp2_sub(&c1, &c1, &t);
    fp2_sqr(&c2, &a->c1); fp2_mul(&t, &a->c0, &a->c2); fp2_sub(&c2, &c2, &t);
    fp2_mul(&t, &a->c2, &c1); fp2_mul(&s, &a->c1, &c2); fp2_add(&t, &t, &s); fp2_mul_xi(&t, &t);
    fp2_mul(&s, &a->c0, &c0); fp2_add(&t, &t, &s);
    fp2_inv(&t, &t);
    fp2_mul(&r->c0, &c0, &t); fp2_mul(&r->c1, &c1, &t); fp2_mul(&r->c2, &c2, &t);
}

/* ---- Fp12 ---- */
static inline void fp12_one(fp12 *r) { memset(r, 0, sizeof *r); r->c0.c0.c0 = FP.one; }
static inline int fp12_equal(const fp12 *a, const fp12 *b) {
    const fe *x = (const fe *)a, *y = (const fe *)b;
    for (int i = 0; i < 12; i++) if (!fe_equal(&x[i], &y[i])) return 0;
    return 1;
}
static inline int fp12_is_one(const fp12 *a) { fp12 one; fp12_one(&one); return fp12_equal(a, &one); }

static inline void fp12_mul(fp12 *r, const fp12 *a, const fp12 *b) {
    fp6 t0, t1, s, u;
    fp6_mul(&t0, &a->c0, &b->c0);
    fp6_mul(&t1, &a->c1, &b->c1);
    fp6_add(&s, &a->c0, &a->c1); fp6_add(&u, &b->c0, &b->c1); fp6_mul(&s, &s, &u);
    fp6_sub(&s, &s, &t0); fp6_sub(&r->c1, &s, &t1);
    fp6_mul_v(&t1, &t1); fp6_add(&r->c0, &t0, &t1);
}

/* (a0 + a1 w)^2 = (a0 + a1)(a0 + v a1) - t - v t + 2 t w, t = a0 a1 */
static inline void fp12_sqr(fp12 *r, const fp12 *a) {
    fp6 t, s, u, vt;
    fp6_mul(&t, &a->c0, &a->c1);
    fp6_add(&s, &a->c0, &a->c1);
    fp6_mul_v(&u, &a->c1); fp6_add(&u, &u, &a->c0);
    fp6_mul(&s, &s, &u);
    fp6_mul_v(&vt, &t);
    fp6_sub(&s, &s, &t); fp6_sub(&r->c0, &s, &vt);
    fp6_add(&r->c1, &t, &t);
}

static inline void fp12_conj(fp12 *r, const fp12 *a) { r->c0 = a->c0; fp6_neg(&r->c1, &a->c1); }

static inline void fp12_inv(fp12 *r, const fp12 *a) {
    fp6 t, s;
    fp6_sqr(&t, &a->c0);
    fp6_sqr(&s, &a->c1); fp6_mul_v(&s, &s);
    fp6_sub(&t, &t, &s);
    fp6_inv(&t, &t);
    fp6_mul(&r->c0, &a->c0, &t);
    fp6_mul(&s, &a->c1, &t); fp6_neg(&r->c1, &s);
}

/* times the sparse line value b0 + b1 w + b3 w^3 (positions 0, 3, 4 in (c0, c1) order). */
static inline void fp12_mul_line(fp12 *r, const fp12 *a, const fp2 *b0, const fp2 *b1, const fp2 *b3) {
    fp6 x, y, e;
    fp2 s;
    fp6_mul_fp2(&x, &a->c0, b0);
    fp6_mul_01(&y, &a->c1, b1, b3);
    fp2_add(&s, b0, b1);
    fp6_add(&e, &a->c0, &a->c1);
    fp6_mul_01(&e, &e, &s, b3);
    fp6_sub(&e, &e, &x); fp6_sub(&r->c1, &e, &y);
    fp6_mul_v(&y, &y); fp6_add(&r->c0, &y, &x);
}

/* Frobenius x -> x^(p^k), k in 1..3, from the generated gamma tables. */
static const fp2 FROB_GAMMA[3][6] = {FROB1_GAMMA, FROB2_GAMMA, FROB3_GAMMA};

static inline void fp12_frobenius(fp12 *r, const fp12 *a, int k) {
    /* coefficient slots in w-power order: w^0..w^5 */
    const fp2 *in[6] = {&a->c0.c0, &a->c1.c0, &a->c0.c1, &a->c1.c1, &a->c0.c2, &a->c1.c2};
    fp2 *out[6] = {&r->c0.c0, &r->c1.c0, &r->c0.c1, &r->c1.c1, &r->c0.c2, &r->c1.c2};
    fp2 tmp[6];
    for (int i = 0; i < 6; i++) {
        if (k & 1) fp2_conj(&tmp[i], in[i]);
        else tmp[i] = *in[i];
        fp2_mul(&tmp[i], &tmp[i], &FROB_GAMMA[k - 1][i]);
    }
    for (int i = 0; i < 6; i++) *out[i] = tmp[i];
}

/* Granger-Scott squaring, valid only in the cyclotomic subgroup (after the easy part). */
static inline void fp4_sqr(fp2 *r0, fp2 *r1, const fp2 *a0, const fp2 *a1) {
    fp2 t0, t1, t;
    fp2_sqr(&t0, a0);
    fp2_sqr(&t1, a1);
    fp2_mul_xi(&t, &t1); fp2_add(r0, &t, &t0);
    fp2_add(&t, a0, a1); fp2_sqr(&t, &t); fp2_sub(&t, &t, &t0); fp2_sub(r1, &t, &t1);
}

static inline void fp12_cyclotomic_sqr(fp12 *r, const fp12 *a) {
    /* Pair the coefficients as Fp4 elements (w^0, w^3), (w^1, w^4), (w^2, w^5). */
    fp2 t00, t01, t10, t11, t20, t21, t;
    fp4_sqr(&t00, &t01, &a->c0.c0, &a->c1.c1);
    fp4_sqr(&t10, &t11, &a->c1.c0, &a->c0.c2);
    fp4_sqr(&t20, &t21, &a->c0.c1, &a->c1.c2);
    /* z0 = 3 t00 - 2 z0, z1 = 3 t01 + 2 z1 (and likewise for the other pairs) */
    fp12 z = *a;
    fp2_sub(&t, &t00, &z.c0.c0); fp2_dbl(&t, &t); fp2_add(&r->c0.c0, &t, &t00);
    fp2_add(&t, &t01, &z.c1.c1); fp2_dbl(&t, &t); fp2_add(&r->c1.c1, &t, &t01);
    fp2_mul_xi(&t21, &t21);
    fp2_add(&t, &t21, &z.c1.c0); fp2_dbl(&t, &t); fp2_add(&r->c1.c0, &t, &t21);
    fp2_sub(&t, &t20, &z.c0.c2); fp2_dbl(&t, &t); fp2_add(&r->c0.c2, &t, &t20);
    fp2_sub(&t, &t10, &z.c0.c1); fp2_dbl(&t, &t); fp2_add(&r->c0.c1, &t, &t10);
    fp2_add(&t, &t11, &z.c1.c2); fp2_dbl(&t, &t); fp2_add(&r->c1.c2, &t, &t11);
}
