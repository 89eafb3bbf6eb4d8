/* Modular inversion by Bernstein-Yang divsteps ("Fast constant-time gcd computation and modular
 * inversion", 2019), in its variable-time form: inputs are never secret here, and a run of zero
 * bits of g is consumed in one step. Fermat's a^(m-2) costs ~380 dependent multiplications;
 * this costs about ten rounds of 62 divsteps on machine words plus a small matrix product on
 * the full numbers, several times faster. It is what batch inversion (MSM buckets, affine
 * conversion) pays once per batch.
 *
 * Numbers are held in signed base 2^62: five limbs, limbs 0-3 in [0, 2^62), limb 4 signed.
 * State: f, g with f odd, gcd(f, g) = gcd(m, x); d, e with f = d x and g = e x (mod m).
 * Start f = m, g = x, d = 0, e = 1; at the end g = 0, f = +-1, so 1/x = +-d.
 */
#pragma once
#include <stdint.h>

typedef __int128 i128;
typedef struct { int64_t v[5]; } s62;

#define M62 ((uint64_t)0x3fffffffffffffff)

static inline void s62_from_fe(s62 *r, const uint64_t a[4]) {
    r->v[0] = (int64_t)(a[0] & M62);
    r->v[1] = (int64_t)(((a[0] >> 62) | (a[1] << 2)) & M62);
    r->v[2] = (int64_t)(((a[1] >> 60) | (a[2] << 4)) & M62);
    r->v[3] = (int64_t)(((a[2] >> 58) | (a[3] << 6)) & M62);
    r->v[4] = (int64_t)(a[3] >> 56);
}

/* r in [0, 2^256): limb 4 non-negative and below 2^8 */
static inline void s62_to_fe(uint64_t r[4], const s62 *a) {
    uint64_t l0 = (uint64_t)a->v[0], l1 = (uint64_t)a->v[1], l2 = (uint64_t)a->v[2];
    uint64_t l3 = (uint64_t)a->v[3], l4 = (uint64_t)a->v[4];
    r[0] = l0 | (l1 << 62);
    r[1] = (l1 >> 2) | (l2 << 60);
    r[2] = (l2 >> 4) | (l3 << 58);
    r[3] = (l3 >> 6) | (l4 << 56);
}

/* 2^62 times the transition matrix of 62 divsteps: (f', g') = (u f + v g, q f + r g) / 2^62 */
typedef struct { int64_t u, v, q, r; } transition;

/* 62 divsteps on the low 64 bits of f and g (enough: each step consumes one bit), with
 * eta = -delta. Returns the new eta. */
static inline int64_t divsteps_62(int64_t eta, uint64_t f, uint64_t g, transition *t) {
    int64_t u = 1, v = 0, q = 0, r = 1;
    int left = 62;
    for (;;) {
        /* g even: halve it, which in the common scale doubles f's coefficients */
        int zeros = __builtin_ctzll(g | ((uint64_t)1 << left));
        g >>= zeros;
        u = (int64_t)((uint64_t)u << zeros);
        v = (int64_t)((uint64_t)v << zeros);
        eta -= zeros;
        left -= zeros;
        if (left == 0) break;
        /* g odd: if delta > 0 swap in (g, -f); then g += f makes g even */
        if (eta < 0) {
            uint64_t tf = f; int64_t tu = u, tv = v;
            eta = -eta;
            f = g; u = q; v = r;
            g = -tf; q = -tu; r = -tv;
        }
        g += f;
        q += u;
        r += v;
    }
    t->u = u; t->v = v; t->q = q; t->r = r;
    return eta;
}

/* (a, b) <- (u a + v b + ka m, q a + r b + kb m) / 2^62, the numerators being multiples of
 * 2^62: for f and g by construction of the matrix (ka = kb = 0), for d and e by the choice of
 * ka and kb. */
static inline void apply_transition(s62 *a, s62 *b, const transition *t, const s62 *m, uint64_t ka, uint64_t kb) {
    i128 ca = (i128)t->u * a->v[0] + (i128)t->v * b->v[0] + (i128)ka * m->v[0];
    i128 cb = (i128)t->q * a->v[0] + (i128)t->r * b->v[0] + (i128)kb * m->v[0];
    ca >>= 62;
    cb >>= 62;
    for (int i = 1; i < 5; i++) {
        ca += (i128)t->u * a->v[i] + (i128)t->v * b->v[i] + (i128)ka * m->v[i];
        cb += (i128)t->q * a->v[i] + (i128)t->r * b->v[i] + (i128)kb * m->v[i];
        a->v[i - 1] = (int64_t)((uint64_t)ca & M62);
        b->v[i - 1] = (int64_t)((uint64_t)cb & M62);
        ca >>= 62;
        cb >>= 62;
    }
    a->v[4] = (int64_t)ca;
    b->v[4] = (int64_t)cb;
}

static inline int s62_is_negative(const s62 *a) { return a->v[4] < 0; }

/* a += sign * m, sign = +-1, renormalising the limbs */
static inline void s62_add_multiple(s62 *a, const s62 *m, int64_t sign) {
    int64_t carry = 0;
    for (int i = 0; i < 4; i++) {
        int64_t s = a->v[i] + sign * m->v[i] + carry;
        a->v[i] = s & (int64_t)M62;
        carry = s >> 62;
    }
    a->v[4] += sign * m->v[4] + carry;
}

static inline int s62_ge(const s62 *a, const s62 *b) {
    for (int i = 4; i >= 0; i--) if (a->v[i] != b->v[i]) return a->v[i] > b->v[i];
    return 1;
}

/* from (-m, 2m) into [0, m) */
static inline void s62_normalise(s62 *a, const s62 *m) {
    if (s62_is_negative(a)) s62_add_multiple(a, m, 1);
    else if (s62_ge(a, m)) s62_add_multiple(a, m, -1);
}

/* (d, e) <- (u d + v e, q d + r e) / 2^62 mod m, for d, e in [0, m): the multiple of m that
 * clears the low limb makes the division exact, and the result, in (-m, 2m), is brought back. */
static inline void update_de(s62 *d, s62 *e, const transition *t, const s62 *m, uint64_t m_inv62) {
    uint64_t kd = -((uint64_t)t->u * (uint64_t)d->v[0] + (uint64_t)t->v * (uint64_t)e->v[0]) * m_inv62 & M62;
    uint64_t ke = -((uint64_t)t->q * (uint64_t)d->v[0] + (uint64_t)t->r * (uint64_t)e->v[0]) * m_inv62 & M62;
    apply_transition(d, e, t, m, kd, ke);
    s62_normalise(d, m);
    s62_normalise(e, m);
}

static inline int s62_is_zero(const s62 *a) {
    return (a->v[0] | a->v[1] | a->v[2] | a->v[3] | a->v[4]) == 0;
}

/* x^-1 mod m as an integer (x < m, nonzero, m odd and below 2^256 / 2); m_inv62 = m^-1 mod 2^62. */
static inline void divsteps_inverse(uint64_t r[4], const uint64_t x[4], const uint64_t m[4], uint64_t m_inv62) {
    s62 f, g, d = {{0, 0, 0, 0, 0}}, e = {{1, 0, 0, 0, 0}}, ms;
    s62_from_fe(&ms, m);
    f = ms;
    s62_from_fe(&g, x);
    int64_t eta = -1;
    while (!s62_is_zero(&g)) {
        transition t;
        eta = divsteps_62(eta, (uint64_t)f.v[0] | ((uint64_t)f.v[1] << 62),
                          (uint64_t)g.v[0] | ((uint64_t)g.v[1] << 62), &t);
        apply_transition(&f, &g, &t, &ms, 0, 0);
        update_de(&d, &e, &t, &ms, m_inv62);
    }
    if (s62_is_negative(&f) && !s62_is_zero(&d)) {   /* f = -1: the inverse is -d */
        s62 neg = ms;
        s62_add_multiple(&neg, &d, -1);
        d = neg;
    }
    s62_to_fe(r, &d);
}
