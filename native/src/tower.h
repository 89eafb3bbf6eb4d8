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

/* Fp2 and wide Fp2 sums are forced inline (2-3% on fp12 products); the products are not, which
 * made the code 50% bigger and no faster. */
static inline __attribute__((always_inline)) void fp2_add(fp2 *r, const fp2 *a, const fp2 *b) { fp_add(&r->c0, &a->c0, &b->c0); fp_add(&r->c1, &a->c1, &b->c1); }
static inline __attribute__((always_inline)) void fp2_sub(fp2 *r, const fp2 *a, const fp2 *b) { fp_sub(&r->c0, &a->c0, &b->c0); fp_sub(&r->c1, &a->c1, &b->c1); }
static inline void fp2_dbl(fp2 *r, const fp2 *a) { fp_dbl(&r->c0, &a->c0); fp_dbl(&r->c1, &a->c1); }
static inline void fp2_neg(fp2 *r, const fp2 *a) { fp_neg(&r->c0, &a->c0); fp_neg(&r->c1, &a->c1); }
static inline void fp2_conj(fp2 *r, const fp2 *a) { r->c0 = a->c0; fp_neg(&r->c1, &a->c1); }

/* ---- Double-width values, for lazy reduction ----
 * The product of two Montgomery-form elements aR, bR is the integer abR^2, which fe_redc turns
 * into abR. Sums of such products are kept as 512-bit integers and reduced once per output
 * coefficient (Aranha, Karabina, Longa, Gebotys, Lopez, "Faster explicit formulas for computing
 * pairings over ordinary curves", 2011): a reduction is more than half of an fp_mul.
 * Invariant: an fpw is in [0, p 2^256), the input range of fe_redc. Adding or subtracting
 * p 2^256 (p in the top four words) does not change the value mod p, so fpw arithmetic is mod
 * p 2^256 and only ever corrects the top half. */
typedef struct { uint64_t v[8]; } fpw;
typedef struct { fpw c0, c1; } fp2w;

#ifdef FE_HAVE_WIDE
/* x86-64 assembly: these sit between every pair of products in the tower, and compiled from C
 * they cost as much as a reduction; forced inline for the reason given at fe_mul_wide.
 * LOAD8/STORE4 move 512-bit values through r8..r15. */
#define FPW_LOAD8(P)                                                     \
    "movq 0(%[" P "]), %%r8\n\tmovq 8(%[" P "]), %%r9\n\t"               \
    "movq 16(%[" P "]), %%r10\n\tmovq 24(%[" P "]), %%r11\n\t"           \
    "movq 32(%[" P "]), %%r12\n\tmovq 40(%[" P "]), %%r13\n\t"           \
    "movq 48(%[" P "]), %%r14\n\tmovq 56(%[" P "]), %%r15\n\t"
#define FPW_STORE4(OFF, W0, W1, W2, W3)                                  \
    "movq %%" W0 ", " #OFF "+0(%[r])\n\tmovq %%" W1 ", " #OFF "+8(%[r])\n\t" \
    "movq %%" W2 ", " #OFF "+16(%[r])\n\tmovq %%" W3 ", " #OFF "+24(%[r])\n\t"
/* (T4..T7, TOP) -= p unless that borrows; the result (below p) goes to the top half of r.
 * Clobbers r8..r11. */
#define FPW_TOP_SUB_P_STORE(TOP)                                         \
    "movq %%r12, %%r8\n\tmovq %%r13, %%r9\n\tmovq %%r14, %%r10\n\tmovq %%r15, %%r11\n\t" \
    "subq %[p0], %%r8\n\tsbbq %[p1], %%r9\n\tsbbq %[p2], %%r10\n\tsbbq %[p3], %%r11\n\t" \
    TOP                                                                  \
    "cmovcq %%r12, %%r8\n\tcmovcq %%r13, %%r9\n\tcmovcq %%r14, %%r10\n\tcmovcq %%r15, %%r11\n\t" \
    FPW_STORE4(32, "r8", "r9", "r10", "r11")
#define FPW_P_OPERANDS                                                   \
    [p0] "m"(FP.modulus.v[0]), [p1] "m"(FP.modulus.v[1]), [p2] "m"(FP.modulus.v[2]), [p3] "m"(FP.modulus.v[3])

static inline __attribute__((always_inline)) void fpw_add(fpw *r, const fpw *a, const fpw *b) {
    __asm__(
        FPW_LOAD8("a")
        "addq 0(%[b]), %%r8\n\tadcq 8(%[b]), %%r9\n\tadcq 16(%[b]), %%r10\n\tadcq 24(%[b]), %%r11\n\t"
        "adcq 32(%[b]), %%r12\n\tadcq 40(%[b]), %%r13\n\tadcq 48(%[b]), %%r14\n\tadcq 56(%[b]), %%r15\n\t"
        FPW_STORE4(0, "r8", "r9", "r10", "r11")
        FPW_TOP_SUB_P_STORE("")   /* a + b < 2p 2^256 < 2^511: no carry out of the top */
        :
        : [a] "r"(a->v), [b] "r"(b->v), [r] "r"(r->v), FPW_P_OPERANDS
        : "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "cc", "memory");
}

static inline __attribute__((always_inline)) void fpw_sub(fpw *r, const fpw *a, const fpw *b) {
    __asm__(
        FPW_LOAD8("a")
        "subq 0(%[b]), %%r8\n\tsbbq 8(%[b]), %%r9\n\tsbbq 16(%[b]), %%r10\n\tsbbq 24(%[b]), %%r11\n\t"
        "sbbq 32(%[b]), %%r12\n\tsbbq 40(%[b]), %%r13\n\tsbbq 48(%[b]), %%r14\n\tsbbq 56(%[b]), %%r15\n\t"
        "sbbq %%rax, %%rax\n\t"   /* a < b: add p 2^256 back */
        FPW_STORE4(0, "r8", "r9", "r10", "r11")
        "movq %[p0], %%r8\n\tmovq %[p1], %%r9\n\tmovq %[p2], %%r10\n\tmovq %[p3], %%r11\n\t"
        "andq %%rax, %%r8\n\tandq %%rax, %%r9\n\tandq %%rax, %%r10\n\tandq %%rax, %%r11\n\t"
        "addq %%r8, %%r12\n\tadcq %%r9, %%r13\n\tadcq %%r10, %%r14\n\tadcq %%r11, %%r15\n\t"
        FPW_STORE4(32, "r12", "r13", "r14", "r15")
        :
        : [a] "r"(a->v), [b] "r"(b->v), [r] "r"(r->v), FPW_P_OPERANDS
        : "rax", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "cc", "memory");
}

/* 9 x + y, or 9 x - y as 9 x + p 2^256 - y, mod p 2^256. The 513-bit value has a top part
 * h < 10p above 2^256; q = floor(hK / 2^32), K = floor(2^282 / p), from h's top byte falls short
 * of h/p by less than one, so h - qp < 2p and one conditional subtraction ends it. */
#define FPW_NINE_X(ADD_Y)                                                \
    "movq $9, %%rdx\n\t"                                                 \
    "mulxq 0(%[x]), %%r8, %%r9\n\t"                                      \
    "mulxq 8(%[x]), %%rax, %%r10\n\taddq %%rax, %%r9\n\t"                \
    "mulxq 16(%[x]), %%rax, %%r11\n\tadcq %%rax, %%r10\n\t"              \
    "mulxq 24(%[x]), %%rax, %%r12\n\tadcq %%rax, %%r11\n\t"              \
    "mulxq 32(%[x]), %%rax, %%r13\n\tadcq %%rax, %%r12\n\t"              \
    "mulxq 40(%[x]), %%rax, %%r14\n\tadcq %%rax, %%r13\n\t"              \
    "mulxq 48(%[x]), %%rax, %%r15\n\tadcq %%rax, %%r14\n\t"              \
    "mulxq 56(%[x]), %%rax, %[x]\n\tadcq %%rax, %%r15\n\tadcq $0, %[x]\n\t" \
    ADD_Y                                                                \
    FPW_STORE4(0, "r8", "r9", "r10", "r11")                              \
    "movq %%r15, %%rax\n\tshrq $58, %%rax\n\t"                           \
    "movq %[x], %%rdx\n\tshlq $6, %%rdx\n\torq %%rax, %%rdx\n\t"        \
    "imulq $" FPW_QUOTIENT_K ", %%rdx, %%rdx\n\tshrq $32, %%rdx\n\t"     \
    "mulxq %[p0], %%r8, %%r9\n\t"                                        \
    "mulxq %[p1], %%rax, %%r10\n\taddq %%rax, %%r9\n\t"                  \
    "mulxq %[p2], %%rax, %%r11\n\tadcq %%rax, %%r10\n\t"                 \
    "mulxq %[p3], %%rax, %%rdx\n\tadcq %%rax, %%r11\n\tadcq $0, %%rdx\n\t" \
    "subq %%r8, %%r12\n\tsbbq %%r9, %%r13\n\tsbbq %%r10, %%r14\n\tsbbq %%r11, %%r15\n\tsbbq %%rdx, %[x]\n\t" \
    FPW_TOP_SUB_P_STORE("sbbq $0, %[x]\n\t")
#define FPW_QUOTIENT_K "0x15291d18"
#define FPW_ADD_Y                                                        \
    "addq 0(%[y]), %%r8\n\tadcq 8(%[y]), %%r9\n\tadcq 16(%[y]), %%r10\n\tadcq 24(%[y]), %%r11\n\t" \
    "adcq 32(%[y]), %%r12\n\tadcq 40(%[y]), %%r13\n\tadcq 48(%[y]), %%r14\n\tadcq 56(%[y]), %%r15\n\t" \
    "adcq $0, %[x]\n\t"
#define FPW_ADD_P_SUB_Y                                                  \
    "addq %[p0], %%r12\n\tadcq %[p1], %%r13\n\tadcq %[p2], %%r14\n\tadcq %[p3], %%r15\n\tadcq $0, %[x]\n\t" \
    "subq 0(%[y]), %%r8\n\tsbbq 8(%[y]), %%r9\n\tsbbq 16(%[y]), %%r10\n\tsbbq 24(%[y]), %%r11\n\t" \
    "sbbq 32(%[y]), %%r12\n\tsbbq 40(%[y]), %%r13\n\tsbbq 48(%[y]), %%r14\n\tsbbq 56(%[y]), %%r15\n\t" \
    "sbbq $0, %[x]\n\t"
/* x's register holds the ninth word once the products are read: one register fewer to find.
 * volatile: the result goes to memory, and gcc would drop an asm whose only output is unused. */
#define FPW_NINE_X_OPERANDS                                              \
    : [x] "+&r"(x_words)                                                 \
    : [y] "r"(y->v), [r] "r"(r->v), FPW_P_OPERANDS                       \
    : "rax", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "cc", "memory"

static inline __attribute__((always_inline)) void fpw_nine_x_plus_y(fpw *r, const fpw *x, const fpw *y) {
    const uint64_t *x_words = x->v;
    __asm__ volatile(FPW_NINE_X(FPW_ADD_Y) FPW_NINE_X_OPERANDS);
}
static inline __attribute__((always_inline)) void fpw_nine_x_minus_y(fpw *r, const fpw *x, const fpw *y) {
    const uint64_t *x_words = x->v;
    __asm__ volatile(FPW_NINE_X(FPW_ADD_P_SUB_Y) FPW_NINE_X_OPERANDS);
}
#else
static inline __attribute__((always_inline)) void fpw_add(fpw *r, const fpw *a, const fpw *b) {
    uint64_t carry = 0;  /* a + b < 2p 2^256 < 2^511: never set at the end */
    for (int i = 0; i < 8; i++) carry = add_carry(a->v[i], b->v[i], carry, &r->v[i]);
    fe top;  /* not through (fe *)(r->v + 4): gcc's alias analysis may then reorder the store */
    fe_reduce_once(&top, r->v + 4, 0, &FP);
    memcpy(r->v + 4, top.v, sizeof top.v);
}

static inline __attribute__((always_inline)) void fpw_sub(fpw *r, const fpw *a, const fpw *b) {
    uint64_t borrow = 0, carry = 0;
    for (int i = 0; i < 8; i++) borrow = sub_borrow(a->v[i], b->v[i], borrow, &r->v[i]);
    uint64_t mask = -borrow;  /* a < b: add p 2^256 back */
    for (int i = 0; i < 4; i++) carry = add_carry(r->v[4 + i], FP.modulus.v[i] & mask, carry, &r->v[4 + i]);
}

/* as FPW_NINE_X above */
static inline void fpw_nine_x_pm_y(fpw *r, const fpw *x, const fpw *y, int minus) {
    uint64_t t[9], carry = 0;
    for (int i = 0; i < 8; i++) carry = mul_add2(x->v[i], 9, carry, 0, &t[i]);
    t[8] = carry;
    if (minus) {
        uint64_t borrow = 0;
        carry = 0;
        for (int i = 0; i < 4; i++) carry = add_carry(t[4 + i], FP.modulus.v[i], carry, &t[4 + i]);
        t[8] += carry;
        for (int i = 0; i < 8; i++) borrow = sub_borrow(t[i], y->v[i], borrow, &t[i]);
        t[8] -= borrow;
    } else {
        carry = 0;
        for (int i = 0; i < 8; i++) carry = add_carry(t[i], y->v[i], carry, &t[i]);
        t[8] += carry;
    }
    uint64_t q = ((t[8] << 6 | t[7] >> 58) * 0x15291d18ULL) >> 32, hi = 0, borrow = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t qp;
        hi = mul_add2(FP.modulus.v[i], q, hi, 0, &qp);
        borrow = sub_borrow(t[4 + i], qp, borrow, &t[4 + i]);
    }
    sub_borrow(t[8], hi, borrow, &t[8]);
    memcpy(r->v, t, 4 * sizeof t[0]);
    fe top;
    fe_reduce_once(&top, t + 4, t[8], &FP);
    memcpy(r->v + 4, top.v, sizeof top.v);
}
static inline __attribute__((always_inline)) void fpw_nine_x_plus_y(fpw *r, const fpw *x, const fpw *y) { fpw_nine_x_pm_y(r, x, y, 0); }
static inline __attribute__((always_inline)) void fpw_nine_x_minus_y(fpw *r, const fpw *x, const fpw *y) { fpw_nine_x_pm_y(r, x, y, 1); }
#endif

/* a - b for a >= b known (a Karatsuba cross term): no correction. */
static inline void fpw_sub_exact(fpw *r, const fpw *a, const fpw *b) {
    uint64_t borrow = 0;
    for (int i = 0; i < 8; i++) borrow = sub_borrow(a->v[i], b->v[i], borrow, &r->v[i]);
}

static inline __attribute__((always_inline)) void fp2w_add(fp2w *r, const fp2w *a, const fp2w *b) { fpw_add(&r->c0, &a->c0, &b->c0); fpw_add(&r->c1, &a->c1, &b->c1); }
static inline __attribute__((always_inline)) void fp2w_sub(fp2w *r, const fp2w *a, const fp2w *b) { fpw_sub(&r->c0, &a->c0, &b->c0); fpw_sub(&r->c1, &a->c1, &b->c1); }

/* times xi = 9 + u: (9 a0 - a1) + (a0 + 9 a1) u */
static inline void fp2w_mul_xi(fp2w *r, const fp2w *a) {
    fpw c0;
    fpw_nine_x_minus_y(&c0, &a->c0, &a->c1);
    fpw_nine_x_plus_y(&r->c1, &a->c1, &a->c0);
    r->c0 = c0;
}

/* Karatsuba without reduction: c0 = a0 b0 - a1 b1, c1 = (a0 + a1)(b0 + b1) - a0 b0 - a1 b1,
 * which is a0 b1 + a1 b0 < 2p^2 exactly. Inputs reduced, so (a0 + a1)(b0 + b1) < 4p^2 < p 2^256. */
static inline void fp2_mul_w(fp2w *r, const fp2 *a, const fp2 *b) {
    fpw t;
    fe sa, sb;
    fe_add_unreduced(&sa, &a->c0, &a->c1);
    fe_add_unreduced(&sb, &b->c0, &b->c1);
    fe_mul_wide(r->c0.v, &a->c0, &b->c0);
    fe_mul_wide(t.v, &a->c1, &b->c1);
    fe_mul_wide(r->c1.v, &sa, &sb);
    fpw_sub_exact(&r->c1, &r->c1, &r->c0);
    fpw_sub_exact(&r->c1, &r->c1, &t);
    fpw_sub(&r->c0, &r->c0, &t);
}

static inline void fp2_redc(fp2 *r, const fp2w *t) { fe_redc(&r->c0, t->c0.v, &FP); fe_redc(&r->c1, t->c1.v, &FP); }

static inline void fp2_mul(fp2 *r, const fp2 *a, const fp2 *b) {
    fp2w t;
    fp2_mul_w(&t, a, b);
    fp2_redc(r, &t);
}

/* The factors of (a0 + a1 u)^2 = (a0 + a1)(a0 - a1) + (a0 * 2 a1) u, left unreduced (below 2p):
 * the products need no reduced inputs. */
typedef struct { fe sum, diff, twice_a1; } fp2_sqr_factors;

static inline void fp2_sqr_factors_of(fp2_sqr_factors *f, const fp2 *a) {
    fe_add_unreduced(&f->sum, &a->c0, &a->c1);
    fe_sub_unreduced(&f->diff, &a->c0, &a->c1, &FP);
    fe_add_unreduced(&f->twice_a1, &a->c1, &a->c1);
}

static inline void fp2_sqr(fp2 *r, const fp2 *a) {
    fp2_sqr_factors f;
    fp2_sqr_factors_of(&f, a);
    fp_mul(&r->c1, &a->c0, &f.twice_a1);
    fp_mul(&r->c0, &f.sum, &f.diff);
}

/* The square unreduced: (a0 + a1)(a0 - a1) < 4p^2 and 2 a0 a1 < 2p^2, both below p 2^256. */
static inline void fp2_sqr_w(fp2w *r, const fp2 *a) {
    fp2_sqr_factors f;
    fp2_sqr_factors_of(&f, a);
    fe_mul_wide(r->c1.v, &a->c0, &f.twice_a1);
    fe_mul_wide(r->c0.v, &f.sum, &f.diff);
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

typedef struct { fp2w c0, c1, c2; } fp6w;

static inline void fp6w_sub(fp6w *r, const fp6w *a, const fp6w *b) { fp2w_sub(&r->c0, &a->c0, &b->c0); fp2w_sub(&r->c1, &a->c1, &b->c1); fp2w_sub(&r->c2, &a->c2, &b->c2); }
static inline void fp6_redc(fp6 *r, const fp6w *t) { fp2_redc(&r->c0, &t->c0); fp2_redc(&r->c1, &t->c1); fp2_redc(&r->c2, &t->c2); }

/* r += v t, v (t0, t1, t2) = (xi t2, t0, t1); t is used as scratch. */
static inline void fp6w_add_mul_v(fp6w *r, fp6w *t) {
    fp2w_mul_xi(&t->c2, &t->c2);
    fp2w_add(&r->c0, &r->c0, &t->c2);
    fp2w_add(&r->c1, &r->c1, &t->c0);
    fp2w_add(&r->c2, &r->c2, &t->c1);
}

/* Karatsuba-style, 6 Fp2 multiplications, unreduced:
 * c0 = t0 + xi ((a1 + a2)(b1 + b2) - t1 - t2), c1 = (a0 + a1)(b0 + b1) - t0 - t1 + xi t2,
 * c2 = (a0 + a2)(b0 + b2) - t0 - t2 + t1, with ti = ai bi. All six products first, then all the
 * sums: independent multiplications side by side keep the multiplier busy. */
static inline void fp6_mul_w(fp6w *r, const fp6 *a, const fp6 *b) {
    fp2w t0, t1, t2, s0, s1, s2;
    fp2 x0, y0, x1, y1, x2, y2;
    fp2_add(&x0, &a->c1, &a->c2); fp2_add(&y0, &b->c1, &b->c2);
    fp2_add(&x1, &a->c0, &a->c1); fp2_add(&y1, &b->c0, &b->c1);
    fp2_add(&x2, &a->c0, &a->c2); fp2_add(&y2, &b->c0, &b->c2);
    fp2_mul_w(&t0, &a->c0, &b->c0);
    fp2_mul_w(&t1, &a->c1, &b->c1);
    fp2_mul_w(&t2, &a->c2, &b->c2);
    fp2_mul_w(&s0, &x0, &y0);
    fp2_mul_w(&s1, &x1, &y1);
    fp2_mul_w(&s2, &x2, &y2);
    fp2w_sub(&s0, &s0, &t1); fp2w_sub(&s1, &s1, &t0); fp2w_sub(&s2, &s2, &t0);
    fp2w_sub(&s0, &s0, &t2); fp2w_sub(&s1, &s1, &t1); fp2w_sub(&s2, &s2, &t2);
    fp2w_mul_xi(&s0, &s0); fp2w_mul_xi(&t2, &t2);
    fp2w_add(&r->c0, &s0, &t0); fp2w_add(&r->c1, &t2, &s1); fp2w_add(&r->c2, &s2, &t1);
}

static inline void fp6_mul(fp6 *r, const fp6 *a, const fp6 *b) {
    fp6w t;
    fp6_mul_w(&t, a, b);
    fp6_redc(r, &t);
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

/* times the sparse b0 + b1 v, unreduced: (a0 b0 + xi a2 b1, (a0 + a1)(b0 + b1) - a0 b0 - a1 b1,
 * a1 b1 + a2 b0), 5 Fp2 multiplications. */
static inline void fp6_mul_01_w(fp6w *r, const fp6 *a, const fp2 *b0, const fp2 *b1) {
    fp2w aa, bb, t;
    fp2 x, y;
    fp2_mul_w(&aa, &a->c0, b0);
    fp2_mul_w(&bb, &a->c1, b1);
    fp2_mul_w(&t, &a->c2, b1); fp2w_mul_xi(&t, &t); fp2w_add(&r->c0, &t, &aa);
    fp2_add(&x, &a->c0, &a->c1); fp2_add(&y, b0, b1); fp2_mul_w(&t, &x, &y);
    fp2w_sub(&t, &t, &aa); fp2w_sub(&r->c1, &t, &bb);
    fp2_mul_w(&t, &a->c2, b0); fp2w_add(&r->c2, &t, &bb);
}

static inline void fp6_mul_fp2_w(fp6w *r, const fp6 *a, const fp2 *b) { fp2_mul_w(&r->c0, &a->c0, b); fp2_mul_w(&r->c1, &a->c1, b); fp2_mul_w(&r->c2, &a->c2, b); }

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

/* Karatsuba over Fp6 with the three products unreduced: c1 = (a0 + a1)(b0 + b1) - t0 - t1,
 * c0 = t0 + v t1, 12 reductions instead of 36. */
static inline void fp12_mul(fp12 *r, const fp12 *a, const fp12 *b) {
    fp6w t0, t1, s;
    fp6 x, y;
    fp6_mul_w(&t0, &a->c0, &b->c0);
    fp6_mul_w(&t1, &a->c1, &b->c1);
    fp6_add(&x, &a->c0, &a->c1); fp6_add(&y, &b->c0, &b->c1); fp6_mul_w(&s, &x, &y);
    fp6w_sub(&s, &s, &t0); fp6w_sub(&s, &s, &t1); fp6_redc(&r->c1, &s);
    fp6w_add_mul_v(&t0, &t1); fp6_redc(&r->c0, &t0);
}

/* Complex squaring, 2 Fp6 multiplications: (a0 + a1 w)^2 = (a0 + a1)(a0 + v a1) - t - v t + 2 t w,
 * t = a0 a1. */
static inline void fp12_sqr(fp12 *r, const fp12 *a) {
    fp6w t, s;
    fp2w xi_t2;
    fp6 x, y;
    fp6_mul_w(&t, &a->c0, &a->c1);
    fp6_add(&x, &a->c0, &a->c1);
    fp6_mul_v(&y, &a->c1); fp6_add(&y, &y, &a->c0);
    fp6_mul_w(&s, &x, &y);
    fp6w_sub(&s, &s, &t);
    fp2w_mul_xi(&xi_t2, &t.c2);
    fp2w_sub(&s.c0, &s.c0, &xi_t2); fp2w_sub(&s.c1, &s.c1, &t.c0); fp2w_sub(&s.c2, &s.c2, &t.c1);
    fp6_redc(&r->c0, &s);
    fp6_redc(&r->c1, &t); fp6_add(&r->c1, &r->c1, &r->c1);
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

/* times the sparse line value b0 + b1 w + b3 w^3, that is (B0, B1) = ((b0, 0, 0), (b1, b3, 0)) over
 * Fp6, by Karatsuba with unreduced products: 13 Fp2 multiplications, 12 reductions. */
static inline void fp12_mul_line(fp12 *r, const fp12 *a, const fp2 *b0, const fp2 *b1, const fp2 *b3) {
    fp6w x, y, e;
    fp6 s;
    fp2 t;
    fp6_mul_fp2_w(&x, &a->c0, b0);
    fp6_mul_01_w(&y, &a->c1, b1, b3);
    fp2_add(&t, b0, b1);
    fp6_add(&s, &a->c0, &a->c1);
    fp6_mul_01_w(&e, &s, &t, b3);
    fp6w_sub(&e, &e, &x); fp6w_sub(&e, &e, &y); fp6_redc(&r->c1, &e);
    fp6w_add_mul_v(&x, &y); fp6_redc(&r->c0, &x);
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

/* Granger-Scott squaring, valid only in the cyclotomic subgroup (after the easy part). The pairs
 * (a0, a1) = (w^0, w^3), (w^1, w^4), (w^2, w^5) are Fp4 elements a0 + a1 s, s^2 = xi, squared as
 * (a0^2 + xi a1^2) + ((a0 + a1)^2 - a0^2 - a1^2) s with the Fp2 squares unreduced and one
 * reduction per coefficient; then c0 -> 3 c0' - 2 c0 and c1 -> 3 c1' + 2 c1 coefficientwise.
 * The three Fp4 squarings go phase by phase, so that independent products sit side by side. */
static inline void fp12_cyclotomic_sqr(fp12 *r, const fp12 *a) {
    const fp2 *a0[3] = {&a->c0.c0, &a->c1.c0, &a->c0.c1}, *a1[3] = {&a->c1.c1, &a->c0.c2, &a->c1.c2};
    fp2w t0[3], t1[3], t[3];
    fp2 s[3];
    fp6 u, v, d;   /* the Fp4 squares' s^0 parts go to u = c0', their s parts to v = c1' */
    fp2 *u_slot[3] = {&u.c0, &u.c1, &u.c2}, *v_slot[3] = {&v.c1, &v.c2, &v.c0};
    for (int i = 0; i < 3; i++) fp2_sqr_w(&t0[i], a0[i]);
    for (int i = 0; i < 3; i++) fp2_sqr_w(&t1[i], a1[i]);
    for (int i = 0; i < 3; i++) fp2_add(&s[i], a0[i], a1[i]);
    for (int i = 0; i < 3; i++) fp2_sqr_w(&t[i], &s[i]);
    for (int i = 0; i < 3; i++) fp2w_sub(&t[i], &t[i], &t0[i]);
    for (int i = 0; i < 3; i++) fp2w_sub(&t[i], &t[i], &t1[i]);
    for (int i = 0; i < 3; i++) fp2w_mul_xi(&t1[i], &t1[i]);
    for (int i = 0; i < 3; i++) fp2w_add(&t1[i], &t1[i], &t0[i]);
    for (int i = 0; i < 3; i++) { fp2_redc(u_slot[i], &t1[i]); fp2_redc(v_slot[i], &t[i]); }
    fp2_mul_xi(&v.c0, &v.c0);   /* the w^5 part wraps around to w^1: w^6 = xi */
    fp6_sub(&d, &u, &a->c0); fp6_add(&d, &d, &d); fp6_add(&r->c0, &d, &u);
    fp6_add(&d, &v, &a->c1); fp6_add(&d, &d, &d); fp6_add(&r->c1, &d, &v);
}
