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
#include "alloc.h"
#include "curve.h"
#include "threads.h"
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

/* The line at P: l0 yP + l1 xP w + l3 w^3. */
static inline void line_at(line *l, const g1_aff *p) {
    fp2_mul_fp(&l->l0, &l->l0, &p->y);
    fp2_mul_fp(&l->l1, &l->l1, &p->x);
}

/* What a step multiplies into f: its doubling line, or when the step also adds, the product of
 * both lines, which the line thread forms so that f takes one full product instead of two sparse
 * ones. */
typedef struct { line l; fp12 ll; } step_value;

/* (a0 + a1 w + a3 w^3)(b0 + b1 w + b3 w^3) with w^6 = xi: the coefficients of w^0..w^4 are
 * a0 b0 + xi a3 b3, a0 b1 + a1 b0, a1 b1, a0 b3 + a3 b0, a1 b3 + a3 b1 (w^5 gets none), from six
 * unreduced Fp2 products by Karatsuba and one reduction per coefficient. */
static void line_product(fp12 *r, const line *a, const line *b) {
    fp2w p00, p11, p33, c01, c03, c13;
    fp2 x, y;
    fp2_mul_w(&p00, &a->l0, &b->l0);
    fp2_mul_w(&p11, &a->l1, &b->l1);
    fp2_mul_w(&p33, &a->l3, &b->l3);
    fp2_add(&x, &a->l0, &a->l1); fp2_add(&y, &b->l0, &b->l1); fp2_mul_w(&c01, &x, &y);
    fp2_add(&x, &a->l0, &a->l3); fp2_add(&y, &b->l0, &b->l3); fp2_mul_w(&c03, &x, &y);
    fp2_add(&x, &a->l1, &a->l3); fp2_add(&y, &b->l1, &b->l3); fp2_mul_w(&c13, &x, &y);
    fp2w_sub(&c01, &c01, &p00); fp2w_sub(&c01, &c01, &p11);
    fp2w_sub(&c03, &c03, &p00); fp2w_sub(&c03, &c03, &p33);
    fp2w_sub(&c13, &c13, &p11); fp2w_sub(&c13, &c13, &p33);
    fp2_redc(&r->c0.c1, &p11);
    fp2w_mul_xi(&p33, &p33); fp2w_add(&p00, &p00, &p33); fp2_redc(&r->c0.c0, &p00);
    fp2_redc(&r->c1.c0, &c01);
    fp2_redc(&r->c1.c1, &c03);
    fp2_redc(&r->c0.c2, &c13);
    fp2_zero(&r->c1.c2);
}

static void two_lines(step_value *v, line *l0, line *l1, const g1_aff *p) {
    line_at(l0, p);
    line_at(l1, p);
    line_product(&v->ll, l0, l1);
}

/* The Miller loop runs in ATE_NAF_LEN steps: for each digit below the top, a doubling and (when
 * the digit is nonzero) an addition, then a last step adding psi(Q) and -psi^2(Q). The lines of a
 * step depend on Q and P only; step s of pair k is vs[s * m + k]. t: room for the m points T
 * (allocated by the caller, before the other thread starts waiting for these lines). */
static void miller_lines(step_value *vs, g2_proj *t, const g1_aff *p, const g2_aff *q, size_t m, atomic_int *ready) {
    for (size_t k = 0; k < m; k++) { t[k].x = q[k].x; t[k].y = q[k].y; fp2_one(&t[k].z); }
    for (int s = 0; s < ATE_NAF_LEN - 1; s++) {
        int d = ATE_DIGITS[ATE_NAF_LEN - 2 - s];
        for (size_t k = 0; k < m; k++) {
            step_value *v = &vs[s * m + k];
            line_double(&t[k], &v->l);
            if (d) {
                g2_aff qd = q[k];
                line la;
                if (d < 0) g2_aff_neg(&qd, &qd);
                line_add(&t[k], &qd, &la);
                two_lines(v, &v->l, &la, &p[k]);
            } else {
                line_at(&v->l, &p[k]);
            }
        }
        atomic_store_explicit(ready, s + 1, memory_order_release);
    }
    for (size_t k = 0; k < m; k++) {
        g2_aff q1, q2;
        line l1, l2;
        g2_aff_frobenius(&q1, &q[k], 1);
        g2_aff_frobenius(&q2, &q[k], 2);
        g2_aff_neg(&q2, &q2);
        line_add(&t[k], &q1, &l1);
        line_add(&t[k], &q2, &l2);
        two_lines(&vs[(ATE_NAF_LEN - 1) * m + k], &l1, &l2, &p[k]);
    }
    atomic_store_explicit(ready, ATE_NAF_LEN, memory_order_release);
}

/* Two threads hand work over through counters: wait until `counter` reaches n. Handovers come
 * microseconds apart, so the wait spins first: yielding at once would hand the core to any other
 * runnable process for a whole time slice. */
static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

static inline void wait_for(atomic_int *counter, int n) {
    for (int spins = 0; atomic_load_explicit(counter, memory_order_acquire) < n; spins++) {
        if (spins < 4096) cpu_relax();
        else sched_yield();
    }
}

/* f = the product of the step values of steps [from, to), squaring between steps (but not before
 * the loop's first and last steps), starting from 1; waits for each step to be `ready`. */
static void miller_apply(fp12 *f, const step_value *vs, size_t m, int from, int to, atomic_int *ready) {
    fp12_one(f);
    for (int s = from; s < to; s++) {
        wait_for(ready, s + 1);
        if (s > from && s < ATE_NAF_LEN - 1) fp12_sqr(f, f);
        int both = s == ATE_NAF_LEN - 1 || ATE_DIGITS[ATE_NAF_LEN - 2 - s];
        for (size_t k = 0; k < m; k++) {
            const step_value *v = &vs[s * m + k];
            if (both) fp12_mul(f, f, &v->ll);
            else fp12_mul_line(f, f, &v->l.l0, &v->l.l1, &v->l.l3);
        }
    }
}

/* With two threads, the line thread (a third of the work for one pair) also takes the steps from
 * `split` on: it accumulates g over them while the other thread accumulates f over the steps
 * before, and the result is f^(2^k) g, k being the squarings the later steps would have done.
 * The split balances the measured costs, in units of about 0.1 us: a squaring of f 10 (6 once f
 * is cyclotomic, see miller_loop), and per pair, a step's lines 11 and a product into f 10, or
 * 11 where the lines come from the other core's cache. */
static int miller_split(size_t m, int cyclotomic) {
    long best = 0, best_cost = -1, square = cyclotomic ? 6 : 10;
    for (int split = 1; split <= ATE_NAF_LEN; split++) {
        long later = ATE_NAF_LEN - split;
        long f_thread = split * (10 + 11 * (long)m) + (later > 0 ? later - 1 : 0) * square;
        long line_thread = ATE_NAF_LEN * 11 * (long)m + later * (10 + 10 * (long)m);
        long cost = f_thread > line_thread ? f_thread : line_thread;
        if (best_cost < 0 || cost < best_cost) { best = split; best_cost = cost; }
    }
    return (int)best;
}

/* The final exponentiation's easy part, f^((p^6 - 1)(p^2 + 1)): afterwards the value lies in the
 * cyclotomic subgroup, where squarings are cheaper. f must be nonzero. */
static void easy_part(fp12 *r, const fp12 *f) {
    fp12 t, a;
    fp12_conj(&t, f);
    fp12_inv(&a, f);
    fp12_mul(&t, &t, &a);
    fp12_frobenius(&a, &t, 2);
    fp12_mul(r, &t, &a);
}

/* Product over the pairs of the Miller functions; pairs with a point at infinity contribute 1.
 * With `easy`, the result is raised to the easy part as well.
 * With two threads (threads.h gives them only while the machine runs both side by side), one computes the lines and then the last steps (see miller_split) while the
 * other multiplies the first steps into f, a step behind the lines. The easy part is a power, so
 * with `easy` each thread applies it to its own half, and the squarings that join the halves are
 * cyclotomic ones. Returns 0 or PZ_OUT_OF_MEMORY. */
static int miller_loop(fp12 *f, const g1_aff *ps, const g2_aff *qs, size_t n, int easy) {
    g1_aff *p = alloc_array(n, sizeof *p);
    g2_aff *q = alloc_array(n, sizeof *q);
    g2_proj *t = alloc_array(n, sizeof *t);
    step_value *vs = NULL;
    size_t m = 0;
    if (p && q && t) {
        for (size_t k = 0; k < n; k++) {
            if (g1_aff_is_infinity(&ps[k]) || g2_aff_is_infinity(&qs[k])) continue;
            p[m] = ps[k]; q[m] = qs[k];
            m++;
        }
        vs = alloc_array(m, ATE_NAF_LEN * sizeof *vs);
    }
    if (!vs) { free(p); free(q); free(t); return PZ_OUT_OF_MEMORY; }
    atomic_int ready = 0;
#ifdef _OPENMP
    fp12 later;
    atomic_int later_done = 0;
    int split = miller_split(m, easy);
    team pair = team_begin(m > 0 ? 2 : 0, 1);
    #pragma omp parallel num_threads(pair.threads)
    {
        int64_t cpu = team_thread_start(pair);
        if (omp_get_num_threads() == 1) {
            miller_lines(vs, t, p, q, m, &ready);
            miller_apply(f, vs, m, 0, ATE_NAF_LEN, &ready);
            if (easy) easy_part(f, f);
        } else if (omp_get_thread_num() == 1) {
            miller_lines(vs, t, p, q, m, &ready);
            miller_apply(&later, vs, m, split, ATE_NAF_LEN, &ready);
            if (easy) easy_part(&later, &later);
            atomic_store_explicit(&later_done, 1, memory_order_release);
        } else {
            miller_apply(f, vs, m, 0, split, &ready);
            if (easy) easy_part(f, f);
            for (int s = split; s < ATE_NAF_LEN - 1; s++) {
                if (easy) fp12_cyclotomic_sqr(f, f);
                else fp12_sqr(f, f);
            }
            wait_for(&later_done, 1);
            fp12_mul(f, f, &later);
        }
        team_thread_end(pair, cpu);
    }
    team_end(pair);
#else
    miller_lines(vs, t, p, q, m, &ready);
    miller_apply(f, vs, m, 0, ATE_NAF_LEN, &ready);
    if (easy) easy_part(f, f);
#endif
    free(p); free(q); free(t); free(vs);
    return 0;
}

/* The final exponentiation's hard part raises to x three times in a row. Each a^x is split over
 * two threads: one squares, pw[i] = a^(2^i), and the other multiplies the pw[i] of x's nonzero
 * NAF digits into the result as they appear (conjugating for -1, which inverts in the cyclotomic
 * subgroup). The squarings (62) are the critical path; the 23 products and the rest of the hard
 * part hide behind them. Alone, a thread does both in turn. */
static const int8_t X_DIGITS[X_NAF_LEN] = X_NAF;

typedef struct {
    fp12 base[3];              /* the k-th exponentiation raises base[k] */
    fp12 pw[X_NAF_LEN];        /* the current base's powers a^(2^i), at x's nonzero digits */
    /* published so far: bases, and powers over all exponentiations (own cache lines: the
     * squaring thread should not lose the line it writes to the polling one) */
    _Alignas(64) atomic_int bases;
    _Alignas(64) atomic_int powers;
} x_chain;

/* The running power stays in this thread's cache; only the powers at nonzero digits are written
 * where the other thread reads them (cache lines the other core holds cost a transfer to write). */
static void x_squares(x_chain *c, int k) {
    wait_for(&c->bases, k + 1);
    fp12 a = c->base[k];
    for (int i = 0; i < X_NAF_LEN; i++) {
        if (i > 0) fp12_cyclotomic_sqr(&a, &a);
        if (!X_DIGITS[i]) continue;
        c->pw[i] = a;
        atomic_store_explicit(&c->powers, k * X_NAF_LEN + i + 1, memory_order_release);
    }
}

/* Starts base^x as the k-th exponentiation; the caller may work on other things until x_product. */
static void x_start(x_chain *c, int k, const fp12 *base, int alone) {
    c->base[k] = *base;
    atomic_store_explicit(&c->bases, k + 1, memory_order_release);
    if (alone) x_squares(c, k);
}

static void x_product(fp12 *r, x_chain *c, int k) {
    int first = 1;
    for (int i = 0; i < X_NAF_LEN; i++) {
        int d = X_DIGITS[i];
        if (!d) continue;
        wait_for(&c->powers, k * X_NAF_LEN + i + 1);
        fp12 t;
        if (d > 0) t = c->pw[i]; else fp12_conj(&t, &c->pw[i]);
        if (first) *r = t; else fp12_mul(r, r, &t);
        first = 0;
    }
}

/* The hard part (p^4 - p^2 + 1)/r, written in base p with coefficients polynomial in x (Scott et
 * al., "On the final exponentiation for calculating pairings on ordinary elliptic curves", 2009):
 * with fu = t^x, fu2 = t^(x^2), fu3 = t^(x^3) and a^(p^k) by Frobenius,
 *   y0 = t^(p + p^2 + p^3), y1 = 1/t, y2 = fu2^(p^2), y3 = 1/fu^p, y4 = 1/(fu fu2^p), y5 = 1/fu2,
 *   y6 = 1/(fu3 fu3^p), and the result is y0 y1^2 y2^6 y3^12 y4^18 y5^30 y6^36 by the chain
 *   s = y6^2 y4 y5, u = y3 y5 s, u = (u^2 s y2)^2, result = (u y1)^2 u y0.
 * The factors not involving fu3 are gathered while the exponentiations run. */
static void hard_part(fp12 *r, const fp12 *t, x_chain *c, int alone) {
    fp12 fu, fu2, fu3, y0, y3, y45, s2, s3, a, s, u;
    x_start(c, 0, t, alone);
    fp12_frobenius(&y0, t, 1);
    fp12_frobenius(&a, t, 2); fp12_mul(&y0, &y0, &a);
    fp12_frobenius(&a, t, 3); fp12_mul(&y0, &y0, &a);
    x_product(&fu, c, 0);

    x_start(c, 1, &fu, alone);
    fp12_frobenius(&y3, &fu, 1); fp12_conj(&y3, &y3);
    x_product(&fu2, c, 1);

    x_start(c, 2, &fu2, alone);
    fp12_frobenius(&a, &fu2, 1); fp12_mul(&y45, &fu, &a); fp12_mul(&y45, &y45, &fu2);
    fp12_conj(&y45, &y45);                                   /* y4 y5 */
    fp12_frobenius(&a, &fu2, 2); fp12_mul(&s2, &y45, &a);    /* y4 y5 y2 */
    fp12_conj(&a, &fu2); fp12_mul(&a, &a, &y3); fp12_mul(&s3, &y45, &a);   /* y4 y5 y3 y5 */
    x_product(&fu3, c, 2);

    fp12_frobenius(&a, &fu3, 1); fp12_mul(&a, &a, &fu3); fp12_conj(&a, &a);   /* y6 */
    fp12_cyclotomic_sqr(&a, &a);
    fp12_mul(&s, &a, &s2);
    fp12_mul(&u, &a, &s3);
    fp12_cyclotomic_sqr(&u, &u); fp12_mul(&u, &u, &s);
    fp12_cyclotomic_sqr(&u, &u);
    fp12_conj(&a, t); fp12_mul(&s, &u, &a);                  /* u y1 */
    fp12_mul(&u, &u, &y0);
    fp12_cyclotomic_sqr(&s, &s);
    fp12_mul(r, &s, &u);
}

/* t^((p^4 - p^2 + 1)/r) for t in the cyclotomic subgroup, its squarings on a second thread when
 * there is one. Returns 0 or PZ_OUT_OF_MEMORY. */
static int hard_exponentiation(fp12 *r, const fp12 *t) {
    x_chain *c = aligned_alloc(64, sizeof *c);   /* the counters sit on their own cache lines */
    if (!c) return PZ_OUT_OF_MEMORY;
    atomic_init(&c->bases, 0);
    atomic_init(&c->powers, 0);
#ifdef _OPENMP
    team pair = team_begin(2, 1);
    #pragma omp parallel num_threads(pair.threads)
    {
        int64_t cpu = team_thread_start(pair);
        if (omp_get_num_threads() == 1) hard_part(r, t, c, 1);
        else if (omp_get_thread_num() == 1) for (int k = 0; k < 3; k++) x_squares(c, k);
        else hard_part(r, t, c, 0);
        team_thread_end(pair, cpu);
    }
    team_end(pair);
#else
    hard_part(r, t, c, 1);
#endif
    free(c);
    return 0;
}

/* f^((p^12 - 1)/r): the easy part (p^6 - 1)(p^2 + 1) puts f in the cyclotomic subgroup, then the
 * hard part. Returns 0 or PZ_OUT_OF_MEMORY. */
static int final_exponentiation(fp12 *r, const fp12 *f) {
    fp12 t;
    easy_part(&t, f);
    return hard_exponentiation(r, &t);
}
