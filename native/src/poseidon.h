/* Poseidon permutations over Fr (x^5 S-box), in circomlib's layout: the state is [0, inputs...]
 * (width t = inputs + 1); each round adds its t constants, raises every element (full rounds:
 * the first and last full_rounds / 2) or the first one (partial rounds) to the fifth power, and
 * multiplies by the MDS matrix; the hash is the first element at the end. The caller passes the
 * parameters (native imports nothing above it), converted to Montgomery form once per width:
 * a single hash, as a Merkle path update makes, then costs about 1,000 products and no
 * conversion of its parameters. */
#pragma once
#include "field.h"

enum { POSEIDON_MAX_T = 17 };

/* out = Poseidon of the t - 1 inputs, all in Montgomery form. */
static inline void poseidon_hash(fe *out, const fe *inputs, int t, const fe *ark, const fe *mds, int full_rounds,
                                 int partial_rounds) {
    fe state[POSEIDON_MAX_T], mixed[POSEIDON_MAX_T];
    memset(state[0].v, 0, sizeof state[0]);
    memcpy(state + 1, inputs, (size_t)(t - 1) * sizeof *inputs);
    int half = full_rounds / 2, rounds = full_rounds + partial_rounds;
    for (int r = 0; r < rounds; r++) {
        int sboxes = r < half || r >= half + partial_rounds ? t : 1;
        for (int i = 0; i < t; i++) fe_add(&state[i], &state[i], &ark[r * t + i], &FR);
        for (int i = 0; i < sboxes; i++) {
            fe x2, x4;
            fe_sqr(&x2, &state[i], &FR);
            fe_sqr(&x4, &x2, &FR);
            fe_mul(&state[i], &x4, &state[i], &FR);
        }
        /* the last round's product needs only the element the hash keeps */
        int rows = r == rounds - 1 ? 1 : t;
        for (int i = 0; i < rows; i++) {
            fe acc, p;
            fe_mul(&acc, &mds[i * t], &state[0], &FR);
            for (int j = 1; j < t; j++) {
                fe_mul(&p, &mds[i * t + j], &state[j], &FR);
                fe_add(&acc, &acc, &p, &FR);
            }
            mixed[i] = acc;
        }
        memcpy(state, mixed, (size_t)rows * sizeof *mixed);
    }
    *out = state[0];
}
