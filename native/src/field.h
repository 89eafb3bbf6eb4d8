/* Prime fields of BN254 in 4x64-bit Montgomery form: Fp (coordinates) and Fr (scalars).
 *
 * One set of inline routines serves both fields: each takes the field's parameters, which are
 * compile-time constants, so the compiler specialises every call site. Elements are always kept
 * fully reduced (< modulus). Both moduli are below 2^254, which lets the multiplication skip the
 * extra carry word of textbook CIOS (the top limb can never overflow).
 */
#pragma once
#include <stdint.h>
#include <string.h>
#include "constants.h"

typedef unsigned __int128 u128;

typedef struct { uint64_t v[4]; } fe;

typedef struct {
    fe modulus;
    uint64_t inv;      /* -modulus^-1 mod 2^64 */
    fe one;            /* 2^256 mod modulus: 1 in Montgomery form */
    fe r2;             /* 2^512 mod modulus: converts into Montgomery form */
    fe minus_two;      /* modulus - 2: Fermat inversion exponent */
} field;

static const field FP = {{FP_MODULUS}, FP_INV, {FP_ONE}, {FP_R2}, {FP_MINUS_TWO}};
static const field FR = {{FR_MODULUS}, FR_INV, {FR_ONE}, {FR_R2}, {FR_MINUS_TWO}};

static inline int fe_is_zero(const fe *a) {
    return (a->v[0] | a->v[1] | a->v[2] | a->v[3]) == 0;
}

static inline int fe_equal(const fe *a, const fe *b) {
    return ((a->v[0] ^ b->v[0]) | (a->v[1] ^ b->v[1]) | (a->v[2] ^ b->v[2]) | (a->v[3] ^ b->v[3])) == 0;
}

/* r = a - m if a >= m, else a (for a < 2m). */
static inline void fe_reduce_once(fe *r, const fe *a, const field *F) {
    uint64_t t[4], borrow = 0;
    for (int i = 0; i < 4; i++) {
        u128 d = (u128)a->v[i] - F->modulus.v[i] - borrow;
        t[i] = (uint64_t)d;
        borrow = (uint64_t)(d >> 64) & 1;
    }
    if (borrow) *r = *a;
    else memcpy(r->v, t, sizeof t);
}

static inline void fe_add(fe *r, const fe *a, const fe *b, const field *F) {
    fe s;
    uint64_t carry = 0;
    for (int i = 0; i < 4; i++) {
        u128 t = (u128)a->v[i] + b->v[i] + carry;
        s.v[i] = (uint64_t)t;
        carry = (uint64_t)(t >> 64);
    }
    fe_reduce_once(r, &s, F);
}

static inline void fe_double(fe *r, const fe *a, const field *F) { fe_add(r, a, a, F); }

static inline void fe_sub(fe *r, const fe *a, const fe *b, const field *F) {
    uint64_t t[4], borrow = 0;
    for (int i = 0; i < 4; i++) {
        u128 d = (u128)a->v[i] - b->v[i] - borrow;
        t[i] = (uint64_t)d;
        borrow = (uint64_t)(d >> 64) & 1;
    }
    if (borrow) {
        uint64_t carry = 0;
        for (int i = 0; i < 4; i++) {
            u128 s = (u128)t[i] + F->modulus.v[i] + carry;
            t[i] = (uint64_t)s;
            carry = (uint64_t)(s >> 64);
        }
    }
    memcpy(r->v, t, sizeof t);
}

static inline void fe_neg(fe *r, const fe *a, const field *F) {
    if (fe_is_zero(a)) { *r = *a; return; }
    fe zero = {{0, 0, 0, 0}};
    fe_sub(r, &zero, a, F);
    /* zero - a borrows, so fe_sub already added the modulus back */
}

/* Montgomery product a*b/2^256 mod m (CIOS without the extra carry word). */
static inline void fe_mul(fe *r, const fe *a, const fe *b, const field *F) {
    uint64_t t[4] = {0, 0, 0, 0};
    for (int i = 0; i < 4; i++) {
        u128 p = (u128)a->v[0] * b->v[i] + t[0];
        uint64_t hi = (uint64_t)(p >> 64);
        t[0] = (uint64_t)p;
        uint64_t m = t[0] * F->inv;
        u128 q = (u128)m * F->modulus.v[0] + t[0];
        uint64_t carry = (uint64_t)(q >> 64);
        for (int j = 1; j < 4; j++) {
            p = (u128)a->v[j] * b->v[i] + t[j] + hi;
            hi = (uint64_t)(p >> 64);
            q = (u128)m * F->modulus.v[j] + (uint64_t)p + carry;
            carry = (uint64_t)(q >> 64);
            t[j - 1] = (uint64_t)q;
        }
        t[3] = carry + hi;
    }
    fe s;
    memcpy(s.v, t, sizeof t);
    fe_reduce_once(r, &s, F);
}

static inline void fe_sqr(fe *r, const fe *a, const field *F) { fe_mul(r, a, a, F); }

/* a^e for an exponent given as little-endian 64-bit limbs. */
static inline void fe_pow(fe *r, const fe *a, const uint64_t *e, int nlimbs, const field *F) {
    fe acc = F->one, base = *a;
    int top = nlimbs * 64 - 1;
    while (top >= 0 && !((e[top / 64] >> (top % 64)) & 1)) top--;
    for (int i = top; i >= 0; i--) {
        fe_sqr(&acc, &acc, F);
        if ((e[i / 64] >> (i % 64)) & 1) fe_mul(&acc, &acc, &base, F);
    }
    *r = acc;
}

/* Fermat: a^(m-2). The inverse of 0 comes out as 0; callers that care check first. */
static inline void fe_inv(fe *r, const fe *a, const field *F) {
    fe_pow(r, a, F->minus_two.v, 4, F);
}

static inline void fe_to_mont(fe *r, const fe *a, const field *F) { fe_mul(r, a, &F->r2, F); }

static inline void fe_from_mont(fe *r, const fe *a, const field *F) {
    fe one = {{1, 0, 0, 0}};
    fe_mul(r, a, &one, F);
}

/* Canonical little-endian limbs, possibly >= m (e.g. from an untrusted source): is it < m? */
static inline int fe_is_canonical(const fe *a, const field *F) {
    for (int i = 3; i >= 0; i--) {
        if (a->v[i] < F->modulus.v[i]) return 1;
        if (a->v[i] > F->modulus.v[i]) return 0;
    }
    return 0;
}

/* Montgomery's trick: out[i] = 1/in[i] with one inversion; zero entries map to zero.
 * `scratch` holds n elements. in and out may alias. */
static inline void fe_batch_inv(fe *out, const fe *in, fe *scratch, size_t n, const field *F) {
    fe acc = F->one;
    for (size_t i = 0; i < n; i++) {
        scratch[i] = acc;
        if (!fe_is_zero(&in[i])) fe_mul(&acc, &acc, &in[i], F);
    }
    fe_inv(&acc, &acc, F);
    for (size_t i = n; i-- > 0;) {
        if (fe_is_zero(&in[i])) { out[i] = in[i]; continue; }
        fe t;
        fe_mul(&t, &acc, &scratch[i], F);
        fe_mul(&acc, &acc, &in[i], F);
        out[i] = t;
    }
}

/* Fp shorthands */
#define fp_add(r, a, b) fe_add(r, a, b, &FP)
#define fp_sub(r, a, b) fe_sub(r, a, b, &FP)
#define fp_dbl(r, a) fe_double(r, a, &FP)
#define fp_neg(r, a) fe_neg(r, a, &FP)
#define fp_mul(r, a, b) fe_mul(r, a, b, &FP)
#define fp_sqr(r, a) fe_sqr(r, a, &FP)
#define fp_inv(r, a) fe_inv(r, a, &FP)
