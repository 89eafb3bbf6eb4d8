/* The optimal ate pairing on BN254: e(P, Q) = f_{6x+2,Q}(P) * l_{T,psi(Q)}(P) * l_{T',-psi^2(Q)}(P),
 * raised to (p^12 - 1)/r. The exponent is the exact one (as py_ecc and go-ethereum compute it),
 * not a multiple of it, so values agree with other libraries, not just pairing checks.
 *
 * The Miller loop keeps T in homogeneous projective coordinates on the twist and multiplies f by
 * sparse line values (coefficients of w^0, w^1, w^3); factors in Fp2 that the lines pick up on the
 * way are killed by the final exponentiation.
 */
#pragma once
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include "curve.h"
#ifdef _OPENMP
#include <omp.h>
#endif

typedef struct { fp2 x, y, z; } g2_proj;
typedef struct { fp2 l0, l1, l3; } line;   /* l0 * yP + l1 * xP w + l3 w^3 */

static const fp2 G2_B3_CONST = G2_B3;
static const int8_t ATE_DIGITS[ATE_NAF_LEN] = ATE_NAF;

/* T <- 2T and the tangent line at T (scaled by -2 Y Z). */
static inline void line_double(g2_proj *t, line *l) {
    fp2 a, b, c, e, f, g, h, i, j, e2, s;
    fp2_mul(&a, &t->x, &t->y); fp2_half(&a, &a);
    fp2_sqr(&b, &t->y);
    fp2_sqr(&c, &t->z);
    fp2_mul(&e, &c, &G2_B3_CONST);
    fp2_dbl(&f, &e); fp2_add(&f, &f, &e);
    fp2_add(&g, &b, &f); fp2_half(&g, &g);
    fp2_add(&h, &t->y, &t->z); fp2_sqr(&h, &h); fp2_add(&s, &b, &c); fp2_sub(&h, &h, &s);
    fp2_sub(&i, &e, &b);
    fp2_sqr(&j, &t->x);
    fp2_sqr(&e2, &e);
    fp2_sub(&s, &b, &f); fp2_mul(&t->x, &a, &s);
    fp2_sqr(&t->y, &g); fp2_dbl(&s, &e2); fp2_add(&s, &s, &e2); fp2_sub(&t->y, &t->y, &s);
    fp2_mul(&t->z, &b, &h);
    fp2_neg(&l->l0, &h);
    fp2_dbl(&l->l1, &j); fp2_add(&l->l1, &l->l1, &j);
    l->l3 = i;
}

/* T <- T + Q (Q affine) and the line through T and Q (scaled by the denominator). */
static inline void line_add(g2_proj *t, const g2_aff *q, line *l) {
    fp2 theta, lambda, c, d, e, f, g, h, s;
    fp2_mul(&s, &q->y, &t->z); fp2_sub(&theta, &t->y, &s);
    fp2_mul(&s, &q->x, &t->z); fp2_sub(&lambda, &t->x, &s);
    fp2_sqr(&c, &theta);
    fp2_sqr(&d, &lambda);
    fp2_mul(&e, &lambda, &d);
    fp2_mul(&f, &t->z, &c);
    fp2_mul(&g, &t->x, &d);
    fp2_add(&h, &e, &f); fp2_sub(&h, &h, &g); fp2_sub(&h, &h, &g);
    fp2_mul(&t->x, &lambda, &h);
    fp2_sub(&s, &g, &h); fp2_mul(&s, &s, &theta); fp2_mul(&f, &e, &t->y); fp2_sub(&t->y, &s, &f);
    fp2_mul(&t->z, &t->z, &e);
    fp2_mul(&s, &theta, &q->x); fp2_mul(&f, &lambda, &q->y); fp2_sub(&l->l3, &s, &f);
    l->l0 = lambda;
    fp2_neg(&l->l1, &theta);
}

static inline void apply_line(fp12 *f, const line *l, const g1_aff *p) {
    fp2 l0, l1;
    fp2_mul_fp(&l0, &l->l0, &p->y);
    fp2_mul_fp(&l1, &l->l1, &p->x);
    fp12_mul_line(f, f, &l0, &l1, &l->l3);
}

/* The Miller loop runs in ATE_NAF_LEN steps: for each digit below the top, a doubling and (when
 * the digit is nonzero) an addition, then a last step adding psi(Q) and -psi^2(Q). The lines of a
 * step depend on Q only; each step stores two lines per pair, at ls[(step * m + k) * 2 + j]. */
static void miller_lines(line *ls, const g2_aff *q, size_t m, atomic_int *ready) {
    g2_proj *t = malloc(m * sizeof *t);
    for (size_t k = 0; k < m; k++) { t[k].x = q[k].x; t[k].y = q[k].y; fp2_one(&t[k].z); }
    for (int s = 0; s < ATE_NAF_LEN - 1; s++) {
        int d = ATE_DIGITS[ATE_NAF_LEN - 2 - s];
        for (size_t k = 0; k < m; k++) {
            line *l = &ls[(s * m + k) * 2];
            line_double(&t[k], &l[0]);
            if (d) {
                g2_aff qd = q[k];
                if (d < 0) g2_aff_neg(&qd, &qd);
                line_add(&t[k], &qd, &l[1]);
            }
        }
        atomic_store_explicit(ready, s + 1, memory_order_release);
    }
    for (size_t k = 0; k < m; k++) {
        line *l = &ls[((ATE_NAF_LEN - 1) * m + k) * 2];
        g2_aff q1, q2;
        g2_aff_frobenius(&q1, &q[k], 1);
        g2_aff_frobenius(&q2, &q[k], 2);
        g2_aff_neg(&q2, &q2);
        line_add(&t[k], &q1, &l[0]);
        line_add(&t[k], &q2, &l[1]);
    }
    atomic_store_explicit(ready, ATE_NAF_LEN, memory_order_release);
    free(t);
}

/* f = prod of the lines, squaring between steps; waits for each step's lines to be `ready`. */
static void miller_apply(fp12 *f, const line *ls, const g1_aff *p, size_t m, atomic_int *ready) {
    fp12_one(f);
    for (int s = 0; s < ATE_NAF_LEN; s++) {
        while (atomic_load_explicit(ready, memory_order_acquire) <= s) sched_yield();
        if (s > 0 && s < ATE_NAF_LEN - 1) fp12_sqr(f, f);
        int both = s == ATE_NAF_LEN - 1 || ATE_DIGITS[ATE_NAF_LEN - 2 - s];
        for (size_t k = 0; k < m; k++) {
            const line *l = &ls[(s * m + k) * 2];
            apply_line(f, &l[0], &p[k]);
            if (both) apply_line(f, &l[1], &p[k]);
        }
    }
}

/* Product over the pairs of the Miller functions; pairs with a point at infinity contribute 1.
 * With two threads, one computes the lines (a quarter of the work) while the other multiplies
 * them into f, a step behind. */
static void miller_loop(fp12 *f, const g1_aff *ps, const g2_aff *qs, size_t n) {
    g1_aff *p = malloc(n * sizeof *p);
    g2_aff *q = malloc(n * sizeof *q);
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        if (g1_aff_is_infinity(&ps[k]) || g2_aff_is_infinity(&qs[k])) continue;
        p[m] = ps[k]; q[m] = qs[k];
        m++;
    }
    line *ls = malloc(ATE_NAF_LEN * m * 2 * sizeof *ls);
    atomic_int ready = 0;
#ifdef _OPENMP
    #pragma omp parallel num_threads(2) if (m > 0 && omp_get_max_threads() > 1)
    {
        if (omp_get_num_threads() == 1) { miller_lines(ls, q, m, &ready); miller_apply(f, ls, p, m, &ready); }
        else if (omp_get_thread_num() == 1) miller_lines(ls, q, m, &ready);
        else miller_apply(f, ls, p, m, &ready);
    }
#else
    miller_lines(ls, q, m, &ready);
    miller_apply(f, ls, p, m, &ready);
#endif
    free(p); free(q); free(ls);
}

/* a^x for the BN parameter x, in the cyclotomic subgroup, where inverting is conjugating:
 * signed window digits of x (width X_WINDOW) over a table of the odd powers of a. */
static const int8_t X_DIGITS[X_NAF_LEN] = X_NAF;

static inline void cyclotomic_exp_x(fp12 *r, const fp12 *a) {
    fp12 odd[1 << (X_WINDOW - 2)], a2, acc;   /* odd[i] = a^(2i+1) */
    odd[0] = *a;
    fp12_cyclotomic_sqr(&a2, a);
    for (int i = 1; i < (1 << (X_WINDOW - 2)); i++) fp12_mul(&odd[i], &odd[i - 1], &a2);
    int top = X_NAF_LEN - 1;
    int d = X_DIGITS[top];
    if (d > 0) acc = odd[d >> 1]; else fp12_conj(&acc, &odd[(-d) >> 1]);
    for (int i = top - 1; i >= 0; i--) {
        fp12_cyclotomic_sqr(&acc, &acc);
        d = X_DIGITS[i];
        if (d > 0) fp12_mul(&acc, &acc, &odd[d >> 1]);
        else if (d < 0) { fp12 t; fp12_conj(&t, &odd[(-d) >> 1]); fp12_mul(&acc, &acc, &t); }
    }
    *r = acc;
}

/* f^((p^12 - 1)/r): easy part (p^6 - 1)(p^2 + 1), then the hard part (p^4 - p^2 + 1)/r written
 * in base p with coefficients polynomial in x (Scott et al., "On the final exponentiation for
 * calculating pairings on ordinary elliptic curves", 2009). */
static void final_exponentiation(fp12 *r, const fp12 *f) {
    fp12 t, inv;
    fp12_conj(&t, f);
    fp12_inv(&inv, f);
    fp12_mul(&t, &t, &inv);
    fp12 t2;
    fp12_frobenius(&t2, &t, 2);
    fp12_mul(&t, &t, &t2);

    fp12 fp1, fp2_, fp3, fu, fu2, fu3, y0, y1, y2, y3, y4, y5, y6, s, u;
    fp12_frobenius(&fp1, &t, 1);
    fp12_frobenius(&fp2_, &t, 2);
    fp12_frobenius(&fp3, &t, 3);
    cyclotomic_exp_x(&fu, &t);
    cyclotomic_exp_x(&fu2, &fu);
    cyclotomic_exp_x(&fu3, &fu2);

    fp12_frobenius(&y3, &fu, 1);
    fp12 fu2p, fu3p;
    fp12_frobenius(&fu2p, &fu2, 1);
    fp12_frobenius(&fu3p, &fu3, 1);
    fp12_frobenius(&y2, &fu2, 2);

    fp12_mul(&y0, &fp1, &fp2_); fp12_mul(&y0, &y0, &fp3);
    fp12_conj(&y1, &t);
    fp12_conj(&y5, &fu2);
    fp12_conj(&y3, &y3);
    fp12_mul(&y4, &fu, &fu2p); fp12_conj(&y4, &y4);
    fp12_mul(&y6, &fu3, &fu3p); fp12_conj(&y6, &y6);

    fp12_cyclotomic_sqr(&s, &y6);
    fp12_mul(&s, &s, &y4);
    fp12_mul(&s, &s, &y5);
    fp12_mul(&u, &y3, &y5);
    fp12_mul(&u, &u, &s);
    fp12_mul(&s, &s, &y2);
    fp12_cyclotomic_sqr(&u, &u);
    fp12_mul(&u, &u, &s);
    fp12_cyclotomic_sqr(&u, &u);
    fp12_mul(&s, &u, &y1);
    fp12_mul(&u, &u, &y0);
    fp12_cyclotomic_sqr(&s, &s);
    fp12_mul(r, &s, &u);
}
