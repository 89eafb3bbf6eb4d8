/* The groups: G1 on y^2 = x^3 + 3 over Fp, G2 on the D-type sextic twist y^2 = x^3 + 3/(9+u)
 * over Fp2. The shared formulas live in curve_impl.h; this file instantiates them twice. */
#pragma once
#include "tower.h"

static const fe G1_B_CONST = {G1_B};
static const fp2 G2_B_CONST = G2_B;

static inline void fp_set_one(fe *r) { *r = FP.one; }
static inline void fp_inv_fn(fe *r, const fe *a) { fp_inv(r, a); }

/* The width-5 wNAF of a scalar of nlimbs little-endian limbs: odd digits in [-15, 15] or 0,
 * least significant first, in digits (64 nlimbs + 1 of them at most); returns how many. */
static inline int wnaf5(int8_t *digits, const uint64_t *k, int nlimbs) {
    uint64_t w[nlimbs + 1];
    memcpy(w, k, nlimbs * sizeof(uint64_t));
    w[nlimbs] = 0;
    int len = 0;
    for (;;) {
        int nonzero = 0;
        for (int i = 0; i <= nlimbs; i++) nonzero |= w[i] != 0;
        if (!nonzero) break;
        int d = 0;
        if (w[0] & 1) {
            d = (int)(w[0] & 31);
            if (d > 16) d -= 32;
            /* w -= d */
            if (d > 0) {
                uint64_t borrow = (uint64_t)d;
                for (int i = 0; i <= nlimbs && borrow; i++) { uint64_t o = w[i]; w[i] -= borrow; borrow = o < borrow; }
            } else {
                uint64_t carry = (uint64_t)(-d);
                for (int i = 0; i <= nlimbs && carry; i++) { w[i] += carry; carry = w[i] < carry; }
            }
        }
        digits[len++] = (int8_t)d;
        for (int i = 0; i < nlimbs; i++) w[i] = (w[i] >> 1) | (w[i + 1] << 63);
        w[nlimbs] >>= 1;
    }
    return len;
}

#define G_ g1_
#define G_F fe
#define G_ADD(r, a, b) fp_add(r, a, b)
#define G_SUB(r, a, b) fp_sub(r, a, b)
#define G_DBL(r, a) fp_dbl(r, a)
#define G_MUL(r, a, b) fp_mul(r, a, b)
#define G_SQR(r, a) fp_sqr(r, a)
#define G_NEG(r, a) fp_neg(r, a)
#define G_INV(r, a) fp_inv_fn(r, a)
#define G_IS_ZERO(a) fe_is_zero(a)
#define G_EQUAL(a, b) fe_equal(a, b)
#define G_SET_ONE(r) fp_set_one(r)
#define G_B G1_B_CONST
#include "curve_impl.h"

#define G_ g2_
#define G_F fp2
#define G_ADD(r, a, b) fp2_add(r, a, b)
#define G_SUB(r, a, b) fp2_sub(r, a, b)
#define G_DBL(r, a) fp2_dbl(r, a)
#define G_MUL(r, a, b) fp2_mul(r, a, b)
#define G_SQR(r, a) fp2_sqr(r, a)
#define G_NEG(r, a) fp2_neg(r, a)
#define G_INV(r, a) fp2_inv(r, a)
#define G_IS_ZERO(a) fp2_is_zero(a)
#define G_EQUAL(a, b) fp2_equal(a, b)
#define G_SET_ONE(r) fp2_one(r)
#define G_B G2_B_CONST
#include "curve_impl.h"

static const uint64_t GROUP_ORDER_LIMBS[4] = GROUP_ORDER;

/* G1 has cofactor 1: every point on the curve is in the group of order r. The `_on_curve_`
 * tests assume a point already found on the curve (a key's check tests each point once). */
static inline int g1_on_curve_in_subgroup(const g1_aff *p) { (void)p; return 1; }
static inline int g1_aff_in_subgroup(const g1_aff *p) { return g1_aff_on_curve(p); }

/* psi, the untwist-Frobenius-twist endomorphism, on Jacobian coordinates: (x, y) -> (conj(x) g2,
 * conj(y) g3) for x = X/Z^2, y = Y/Z^3 is (conj(X) g2, conj(Y) g3, conj(Z)). */
static inline void g2_psi(g2_jac *r, const g2_jac *q) {
    fp2 t;
    fp2_conj(&t, &q->x); fp2_mul(&r->x, &t, &FROB_GAMMA[0][2]);
    fp2_conj(&t, &q->y); fp2_mul(&r->y, &t, &FROB_GAMMA[0][3]);
    fp2_conj(&r->z, &q->z);
}

static const uint64_t BN_X_LIMBS[1] = {BN_X};

/* G2 is the r-torsion of the twist, whose order is r times a large cofactor. Instead of [r]Q = O
 * (a 254-bit multiplication), the equivalent test of El Housni, Guillevic and Piellard
 * (ePrint 2022/348, sec. 5.1) for BN curves needs one 63-bit multiplication by the curve
 * parameter x: Q is in G2 iff [x+1]Q + psi([x]Q) + psi^2([x]Q) = psi^3([2x]Q). */
static inline int g2_on_curve_in_subgroup(const g2_aff *p) {
    g2_jac xq, x1q, psi1, psi2, lhs, rhs;
    g2_mul(&xq, p, BN_X_LIMBS, 1);
    g2_add_mixed(&x1q, &xq, p);
    g2_psi(&psi1, &xq);
    g2_psi(&psi2, &psi1);
    g2_add(&lhs, &x1q, &psi1);
    g2_add(&lhs, &lhs, &psi2);
    g2_psi(&rhs, &psi2);
    g2_double(&rhs, &rhs);
    g2_neg(&lhs, &lhs);
    g2_add(&rhs, &rhs, &lhs);
    return g2_is_infinity(&rhs);
}

static inline int g2_aff_in_subgroup(const g2_aff *p) { return g2_aff_on_curve(p) && g2_on_curve_in_subgroup(p); }

/* The untwist-Frobenius-twist endomorphism psi^k on G2 (k = 1, 2): the images of Q under the
 * p^k-power Frobenius that the ate Miller loop adds at its end. */
static inline void g2_aff_frobenius(g2_aff *r, const g2_aff *q, int k) {
    fp2 x = q->x, y = q->y;
    if (k & 1) { fp2_conj(&x, &x); fp2_conj(&y, &y); }
    fp2_mul(&r->x, &x, &FROB_GAMMA[k - 1][2]);
    fp2_mul(&r->y, &y, &FROB_GAMMA[k - 1][3]);
}
