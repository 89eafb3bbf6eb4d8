/* Short-Weierstrass arithmetic for y^2 = x^3 + b (a = 0), written once for both groups.
 *
 * Included by curve.h with G_ (the function prefix), G_F (the coordinate field type) and the
 * coordinate operations G_ADD, G_SUB, G_DBL, G_MUL, G_SQR, G_NEG, G_INV, G_IS_ZERO, G_EQUAL,
 * G_SET_ONE and G_B defined. Jacobian coordinates: (X, Y, Z) is (X/Z^2, Y/Z^3); Z = 0 is the
 * point at infinity. Affine points use (0, 0) for infinity (it is not on the curve since b != 0).
 */

#define G_CAT2(a, b) a##b
#define G_CAT(a, b) G_CAT2(a, b)
#define G_FN(name) G_CAT(G_, name)
#define G_JAC G_FN(jac)
#define G_AFF G_FN(aff)

typedef struct { G_F x, y, z; } G_JAC;
typedef struct { G_F x, y; } G_AFF;

static inline int G_FN(is_infinity)(const G_JAC *p) { return G_IS_ZERO(&p->z); }
static inline int G_FN(aff_is_infinity)(const G_AFF *p) { return G_IS_ZERO(&p->x) && G_IS_ZERO(&p->y); }
static inline void G_FN(set_infinity)(G_JAC *p) { memset(p, 0, sizeof *p); G_SET_ONE(&p->x); G_SET_ONE(&p->y); }

static inline void G_FN(from_affine)(G_JAC *r, const G_AFF *a) {
    if (G_FN(aff_is_infinity)(a)) { G_FN(set_infinity)(r); return; }
    r->x = a->x; r->y = a->y; G_SET_ONE(&r->z);
}

/* dbl-2009-l */
static inline void G_FN(double)(G_JAC *r, const G_JAC *p) {
    if (G_FN(is_infinity)(p)) { *r = *p; return; }
    G_F a, b, c, d, e, f, t;
    G_SQR(&a, &p->x);
    G_SQR(&b, &p->y);
    G_SQR(&c, &b);
    G_ADD(&t, &p->x, &b); G_SQR(&t, &t); G_SUB(&t, &t, &a); G_SUB(&t, &t, &c); G_DBL(&d, &t);
    G_DBL(&e, &a); G_ADD(&e, &e, &a);
    G_SQR(&f, &e);
    G_MUL(&t, &p->y, &p->z); G_DBL(&r->z, &t);
    G_DBL(&t, &d); G_SUB(&r->x, &f, &t);
    G_SUB(&t, &d, &r->x); G_MUL(&t, &t, &e);
    G_DBL(&c, &c); G_DBL(&c, &c); G_DBL(&c, &c);
    G_SUB(&r->y, &t, &c);
}

/* madd-2007-bl: r = p + q with q affine. */
static inline void G_FN(add_mixed)(G_JAC *r, const G_JAC *p, const G_AFF *q) {
    if (G_FN(aff_is_infinity)(q)) { *r = *p; return; }
    if (G_FN(is_infinity)(p)) { G_FN(from_affine)(r, q); return; }
    G_F z1z1, u2, s2, h, hh, i, j, rr, v, t;
    G_SQR(&z1z1, &p->z);
    G_MUL(&u2, &q->x, &z1z1);
    G_MUL(&s2, &q->y, &p->z); G_MUL(&s2, &s2, &z1z1);
    G_SUB(&h, &u2, &p->x);
    G_SUB(&rr, &s2, &p->y);
    if (G_IS_ZERO(&h)) {
        if (G_IS_ZERO(&rr)) { G_FN(double)(r, p); return; }
        G_FN(set_infinity)(r); return;
    }
    G_DBL(&rr, &rr);
    G_SQR(&hh, &h);
    G_DBL(&i, &hh); G_DBL(&i, &i);
    G_MUL(&j, &h, &i);
    G_MUL(&v, &p->x, &i);
    G_F x3, y3, z3;
    G_SQR(&x3, &rr); G_SUB(&x3, &x3, &j); G_SUB(&x3, &x3, &v); G_SUB(&x3, &x3, &v);
    G_SUB(&t, &v, &x3); G_MUL(&y3, &rr, &t);
    G_MUL(&t, &p->y, &j); G_DBL(&t, &t); G_SUB(&y3, &y3, &t);
    G_ADD(&z3, &p->z, &h); G_SQR(&z3, &z3); G_SUB(&z3, &z3, &z1z1); G_SUB(&z3, &z3, &hh);
    r->x = x3; r->y = y3; r->z = z3;
}

/* add-2007-bl */
static inline void G_FN(add)(G_JAC *r, const G_JAC *p, const G_JAC *q) {
    if (G_FN(is_infinity)(q)) { *r = *p; return; }
    if (G_FN(is_infinity)(p)) { *r = *q; return; }
    G_F z1z1, z2z2, u1, u2, s1, s2, h, i, j, rr, v, t;
    G_SQR(&z1z1, &p->z);
    G_SQR(&z2z2, &q->z);
    G_MUL(&u1, &p->x, &z2z2);
    G_MUL(&u2, &q->x, &z1z1);
    G_MUL(&s1, &p->y, &q->z); G_MUL(&s1, &s1, &z2z2);
    G_MUL(&s2, &q->y, &p->z); G_MUL(&s2, &s2, &z1z1);
    G_SUB(&h, &u2, &u1);
    G_SUB(&rr, &s2, &s1);
    if (G_IS_ZERO(&h)) {
        if (G_IS_ZERO(&rr)) { G_FN(double)(r, p); return; }
        G_FN(set_infinity)(r); return;
    }
    G_DBL(&rr, &rr);
    G_DBL(&i, &h); G_SQR(&i, &i);
    G_MUL(&j, &h, &i);
    G_MUL(&v, &u1, &i);
    G_F x3, y3, z3;
    G_SQR(&x3, &rr); G_SUB(&x3, &x3, &j); G_SUB(&x3, &x3, &v); G_SUB(&x3, &x3, &v);
    G_SUB(&t, &v, &x3); G_MUL(&y3, &rr, &t);
    G_MUL(&t, &s1, &j); G_DBL(&t, &t); G_SUB(&y3, &y3, &t);
    G_ADD(&z3, &p->z, &q->z); G_SQR(&z3, &z3); G_SUB(&z3, &z3, &z1z1); G_SUB(&z3, &z3, &z2z2);
    G_MUL(&z3, &z3, &h);
    r->x = x3; r->y = y3; r->z = z3;
}

static inline void G_FN(neg)(G_JAC *r, const G_JAC *p) { r->x = p->x; G_NEG(&r->y, &p->y); r->z = p->z; }

static inline void G_FN(aff_neg)(G_AFF *r, const G_AFF *p) { r->x = p->x; G_NEG(&r->y, &p->y); }

/* The odd multiples P, 3P, ..., 15P of a finite point, in Jacobian form. */
static inline void G_FN(odd_multiples)(G_JAC *table, const G_AFF *p) {
    G_JAC p2;
    G_FN(from_affine)(&table[0], p);
    G_FN(double)(&p2, &table[0]);
    for (int i = 1; i < 8; i++) G_FN(add)(&table[i], &table[i - 1], &p2);
}

/* acc += d * P for a wNAF digit d, from the table of P, 3P, ..., 15P. */
static inline void G_FN(add_digit)(G_JAC *acc, const G_JAC *table, int d) {
    if (d > 0) G_FN(add)(acc, acc, &table[d >> 1]);
    else if (d < 0) { G_JAC t; G_FN(neg)(&t, &table[(-d) >> 1]); G_FN(add)(acc, acc, &t); }
}

/* k * p for a scalar of any length (little-endian limbs); never reduced modulo r, so the
 * result is right for points outside the subgroup too. Signed 4-bit windows (wNAF). */
static inline void G_FN(mul)(G_JAC *r, const G_AFF *p, const uint64_t *k, int nlimbs) {
    G_JAC acc;
    G_FN(set_infinity)(&acc);
    if (G_FN(aff_is_infinity)(p)) { *r = acc; return; }
    G_JAC table[8];
    G_FN(odd_multiples)(table, p);
    int8_t *digits = (int8_t *)__builtin_alloca(nlimbs * 64 + 1);
    int len = wnaf5(digits, k, nlimbs);
    for (int i = len - 1; i >= 0; i--) {
        G_FN(double)(&acc, &acc);
        G_FN(add_digit)(&acc, table, digits[i]);
    }
    *r = acc;
}

static inline void G_FN(to_affine)(G_AFF *r, const G_JAC *p) {
    if (G_FN(is_infinity)(p)) { memset(r, 0, sizeof *r); return; }
    G_F zi, zi2, zi3;
    G_INV(&zi, &p->z);
    G_SQR(&zi2, &zi);
    G_MUL(&zi3, &zi2, &zi);
    G_MUL(&r->x, &p->x, &zi2);
    G_MUL(&r->y, &p->y, &zi3);
}

/* Many points to affine with one inversion (Montgomery's trick); `scratch` holds n elements. */
static inline void G_FN(batch_to_affine)(G_AFF *out, const G_JAC *in, G_F *scratch, size_t n) {
    G_F acc;
    G_SET_ONE(&acc);
    for (size_t i = 0; i < n; i++) {
        scratch[i] = acc;
        if (!G_FN(is_infinity)(&in[i])) G_MUL(&acc, &acc, &in[i].z);
    }
    G_INV(&acc, &acc);
    for (size_t i = n; i-- > 0;) {
        if (G_FN(is_infinity)(&in[i])) { memset(&out[i], 0, sizeof out[i]); continue; }
        G_F zi, zi2, zi3;
        G_MUL(&zi, &acc, &scratch[i]);
        G_MUL(&acc, &acc, &in[i].z);
        G_SQR(&zi2, &zi);
        G_MUL(&zi3, &zi2, &zi);
        G_MUL(&out[i].x, &in[i].x, &zi2);
        G_MUL(&out[i].y, &in[i].y, &zi3);
    }
}

/* *p[i] += *q[i] for i < n in affine coordinates with one inversion for all (Montgomery's
 * trick): 5M + 1S an addition. Every point finite and p[i]->x != q[i]->x (no doubling, no
 * opposite points): the caller rules those out. `scratch` holds n elements. */
static inline void G_FN(batch_add_affine)(G_AFF *const *p, const G_AFF *const *q, G_F *scratch, size_t n) {
    if (!n) return;
    G_F acc, d;
    G_SET_ONE(&acc);
    for (size_t i = 0; i < n; i++) {
        scratch[i] = acc;
        G_SUB(&d, &q[i]->x, &p[i]->x);
        G_MUL(&acc, &acc, &d);
    }
    G_INV(&acc, &acc);
    for (size_t i = n; i-- > 0;) {
        G_F inv, lambda, x3, t;
        G_SUB(&d, &q[i]->x, &p[i]->x);
        G_MUL(&inv, &acc, &scratch[i]);
        G_MUL(&acc, &acc, &d);
        G_SUB(&lambda, &q[i]->y, &p[i]->y);
        G_MUL(&lambda, &lambda, &inv);
        G_SQR(&x3, &lambda);
        G_SUB(&x3, &x3, &p[i]->x);
        G_SUB(&x3, &x3, &q[i]->x);
        G_SUB(&t, &p[i]->x, &x3);
        G_MUL(&t, &t, &lambda);
        G_SUB(&p[i]->y, &t, &p[i]->y);
        p[i]->x = x3;
    }
}

static inline int G_FN(aff_on_curve)(const G_AFF *p) {
    if (G_FN(aff_is_infinity)(p)) return 1;
    G_F lhs, rhs;
    G_SQR(&lhs, &p->y);
    G_SQR(&rhs, &p->x); G_MUL(&rhs, &rhs, &p->x); G_ADD(&rhs, &rhs, &G_B);
    return G_EQUAL(&lhs, &rhs);
}

static inline int G_FN(jac_equal)(const G_JAC *p, const G_JAC *q) {
    int pi = G_FN(is_infinity)(p), qi = G_FN(is_infinity)(q);
    if (pi || qi) return pi && qi;
    G_F z1z1, z2z2, a, b;
    G_SQR(&z1z1, &p->z); G_SQR(&z2z2, &q->z);
    G_MUL(&a, &p->x, &z2z2); G_MUL(&b, &q->x, &z1z1);
    if (!G_EQUAL(&a, &b)) return 0;
    G_MUL(&a, &p->y, &z2z2); G_MUL(&a, &a, &q->z);
    G_MUL(&b, &q->y, &z1z1); G_MUL(&b, &b, &p->z);
    return G_EQUAL(&a, &b);
}

#undef G_JAC
#undef G_AFF
/* the parameters, so that the next instantiation can define them afresh */
#undef G_
#undef G_F
#undef G_ADD
#undef G_SUB
#undef G_DBL
#undef G_MUL
#undef G_SQR
#undef G_NEG
#undef G_INV
#undef G_IS_ZERO
#undef G_EQUAL
#undef G_SET_ONE
#undef G_B
