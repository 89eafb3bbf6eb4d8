/* The witness solver's inner loop and the R1CS check, on a compiled circuit's solve program
 * (struct pz_r1cs, native/src/api.h; built by native/kernels.py's r1cs_program).
 *
 * The witness stays canonical (not Montgomery) between calls, because the caller reads and
 * writes it between them (hints run in Python). Coefficients are Montgomery, so one product
 * c M * w / M is the canonical term c w; a * b / M and rest / M (a product with the canonical
 * 1) share the factor 1/M, which the own coefficient's inverse, stored as inv * M^2, removes:
 * (a b - rest) / M * inv M^2 / M = (a b - rest) * inv. A coefficient equal to 1 skips its product.
 */
#pragma once
#include "field.h"

static const fe CANONICAL_ONE = {{1, 0, 0, 0}};

/* <row i of matrix m, w>, canonical; with skip >= 0, the term of wire skip is left out. */
static inline void r1cs_dot(fe *r, const struct pz_r1cs *cs, int m, size_t i, const fe *w, int64_t skip) {
    const int64_t *ptr = cs->indptr[m];
    const uint32_t *wires = cs->wires[m], *ids = cs->ids[m];
    const fe *coeffs = (const fe *)cs->coeffs;
    fe acc = {{0, 0, 0, 0}}, t;
    for (int64_t j = ptr[i]; j < ptr[i + 1]; j++) {
        uint32_t wire = wires[j];
        if ((int64_t)wire == skip) continue;
        if ((int64_t)ids[j] == cs->one_id) {
            fe_add(&acc, &acc, &w[wire], &FR);
        } else {
            fe_mul(&t, &coeffs[ids[j]], &w[wire], &FR);
            fe_add(&acc, &acc, &t, &FR);
        }
    }
    *r = acc;
}

/* Whether rows i of A and B are the same combination (a square: Poseidon's S-boxes square long
 * combinations), so that B's dot product is A's. */
static inline int r1cs_square(const struct pz_r1cs *cs, size_t i) {
    int64_t a = cs->indptr[0][i], b = cs->indptr[1][i], n = cs->indptr[0][i + 1] - a;
    return n == cs->indptr[1][i + 1] - b && !memcmp(cs->wires[0] + a, cs->wires[1] + b, 4 * (size_t)n) &&
           !memcmp(cs->ids[0] + a, cs->ids[1] + b, 4 * (size_t)n);
}

/* A native hint's field operation on its canonical inputs; 0 when it cannot run (a zero
 * divisor), so the caller's Python function runs instead and reports the failure. */
static int r1cs_hint(const struct pz_r1cs *cs, size_t h, fe *w) {
    const fe *coeffs = (const fe *)cs->hint_coeffs;
    fe in[2] = {{{0, 0, 0, 0}}, {{0, 0, 0, 0}}}, t;
    int64_t first = cs->hint_lc[h], count = cs->hint_lc[h + 1] - first;   /* 1 or 2 */
    for (int64_t k = 0; k < count; k++)
        for (int64_t j = cs->hint_ptr[first + k]; j < cs->hint_ptr[first + k + 1]; j++) {
            fe_mul(&t, &coeffs[j], &w[cs->hint_wires[j]], &FR);
            fe_add(&in[k], &in[k], &t, &FR);
        }
    fe *out = &w[cs->hint_out[h]], inv;
    int op = cs->hint_op[h];
    const fe *divisor = op == PZ_HINT_QUOTIENT ? &in[1] : &in[0];
    if (fe_is_zero(divisor)) {
        if (op != PZ_HINT_INVERSE_OR_ZERO) return 0;
        *out = *divisor;
        return 1;
    }
    fe_to_mont(&inv, divisor, &FR);
    fe_inv(&inv, &inv, &FR);                               /* M / d */
    fe_mul(out, op == PZ_HINT_QUOTIENT ? &in[0] : &CANONICAL_ONE, &inv, &FR);
    return 1;
}

/* Steps from start on, until a hint that must run in Python (returned) or the end (n_steps). */
static int64_t r1cs_solve(const struct pz_r1cs *cs, fe *w, size_t start) {
    const fe *own_inv = (const fe *)cs->own_inv;
    for (size_t k = start; k < cs->n_steps; k++) {
        int64_t source = cs->step_source[k];
        if (source < 0) {
            size_t h = (size_t)(-source - 1);
            if (cs->hint_op[h] == PZ_HINT_PYTHON || !r1cs_hint(cs, h, w)) return (int64_t)k;
            continue;
        }
        int64_t target = cs->step_wire[k];
        fe a, b, rest, ab;
        r1cs_dot(&a, cs, 0, (size_t)source, w, -1);
        if (r1cs_square(cs, (size_t)source)) b = a;
        else r1cs_dot(&b, cs, 1, (size_t)source, w, -1);
        r1cs_dot(&rest, cs, 2, (size_t)source, w, target);
        fe_mul(&ab, &a, &b, &FR);
        fe_mul(&rest, &rest, &CANONICAL_ONE, &FR);
        fe_sub(&ab, &ab, &rest, &FR);
        fe_mul(&w[target], &ab, &own_inv[cs->step_own[k]], &FR);
    }
    return (int64_t)cs->n_steps;
}

/* The first of the constraints rows[0..n) (ascending; all n of them when rows is NULL) that w
 * violates (-1: none), and how many of them it violates. */
static int64_t r1cs_check(const struct pz_r1cs *cs, const fe *w, const int64_t *rows, size_t n, int64_t *n_bad) {
    int64_t first = -1, bad = 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = rows ? (size_t)rows[k] : k;
        fe a, b, c;
        r1cs_dot(&a, cs, 0, i, w, -1);
        if (r1cs_square(cs, i)) b = a;
        else r1cs_dot(&b, cs, 1, i, w, -1);
        r1cs_dot(&c, cs, 2, i, w, -1);
        fe_mul(&a, &a, &b, &FR);
        fe_mul(&c, &c, &CANONICAL_ONE, &FR);
        if (!fe_equal(&a, &c)) {
            if (first < 0) first = (int64_t)i;
            bad++;
        }
    }
    *n_bad = bad;
    return first;
}
