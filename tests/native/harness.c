/* A command-line driver for one arithmetic path of the C core, so that tests/native/test_builds.py
 * can run the core as any compiler, flags and target build it (a cross-compiled aarch64 binary
 * under qemu-user included), where the cffi module only ever has the one build pip made.
 *
 * Compiled with -DPZ_PATH=adx -DPZ_ASM=1 or -DPZ_PATH=portable -DPZ_ASM=0, -fopenmp and -I on a
 * folder holding native/src and a generated constants.h.  Usage: harness THREADS < commands
 *
 * Each input line is an operation and its arguments, all hexadecimal integers; each output line
 * is that operation's results: field elements as 64 hex digits, flags as 0 or 1, "-" where the
 * core has no result (the inverse of zero, a non-square, a rejected NTT).  Operations are the
 * exported functions without their prefix, with the API's layout (native/src/api.c):
 *   add|sub|mul FIELD A B     neg|sqr FIELD A     inv FIELD A     pow FIELD A E     sqrt A
 *       (FIELD as enum pz_field in native/src/api.h: 0 is Fp, 1 is Fr)
 *   gN_add P Q   gN_double P   gN_neg P   gN_mul P K   gN_on_curve P   gN_in_subgroup P
 *       (N 1 or 2; a point is its 2 or 4 affine coordinates; K any length, used at its own length)
 *   pairing|pairing_check N P1..PN Q1..QN
 *   gN_msm WINDOW FLAGS N B1..BN K1..KN   (canonical bases: the driver prepares them)
 *   gN_sparse_sums NBASES NSUMS NTABLE B1..B(NBASES) PTR0..PTR(NSUMS) ROW1..ROWT ID1..IDT K1..K(NTABLE)
 *       (T = PTR(NSUMS): the terms' rows and ids from index 0; NSUMS points, "-" if refused)
 *   g1_scale K N B1..BN   (K at most 4 limbs; N points)
 *   msm_batch J, then J jobs: GROUP N B1..BN K1..KN   (GROUP as enum pz_group; every job's result
 *       on one line, an empty line for no job)
 *   ntt LOG INVERSE SHIFT A1..A(2^LOG)    (SHIFT 0: no coset)
 *   qap_h LOG SHIFT A1..A(2^LOG) B1..B(2^LOG)
 *   poseidon T RF RP N ARK1..ARK((RF+RP)T) MDS1..MDS(TT) IN1..IN(N(T-1))   (canonical parameters: the
 *       driver converts them; N hashes, or "- STATUS" with the core's nonzero status in decimal)
 */
#include <stdio.h>
#include <stdlib.h>
#include "cpu.h"
#include "api.c"

/* One line's arguments.  Every argument fills at least 4 limbs, so consecutive field elements
 * lie one after the other and a run of them is passed to the core as an array. */
typedef struct {
    uint64_t *limbs;
    size_t *at;      /* the first limb of each argument */
    size_t *used;    /* its length in limbs without leading zero limbs, at least 1 */
    size_t count;
} args;

static void fail(const char *what, const char *op) {
    fprintf(stderr, "harness: %s: %s\n", what, op);
    exit(2);
}

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Splits `line` (modified) into the operation name, returned, and its hex arguments. */
static char *parse(char *line, args *a) {
    size_t len = strlen(line), tokens = 0;
    a->limbs = calloc(len / 16 + 4 * (len / 2 + 1), sizeof *a->limbs);
    a->at = malloc((len / 2 + 1) * sizeof *a->at);
    a->used = malloc((len / 2 + 1) * sizeof *a->used);
    if (!a->limbs || !a->at || !a->used) fail("out of memory", "parse");
    char *op = strtok(line, " \t\r\n"), *tok;
    size_t next = 0;
    while ((tok = strtok(NULL, " \t\r\n"))) {
        size_t digits = strlen(tok), nlimbs = (digits + 15) / 16;
        a->at[tokens] = next;
        for (size_t d = 0; d < digits; d++) {
            int v = hex_digit(tok[digits - 1 - d]);
            if (v < 0) fail("not a hex number", tok);
            a->limbs[next + d / 16] |= (uint64_t)v << (4 * (d % 16));
        }
        while (nlimbs > 1 && a->limbs[next + nlimbs - 1] == 0) nlimbs--;
        a->used[tokens++] = nlimbs ? nlimbs : 1;
        next += nlimbs > 4 ? nlimbs : 4;
    }
    a->count = tokens;
    return op;
}

static const uint64_t *arg(const args *a, size_t i) { return a->limbs + a->at[i]; }
static size_t small(const args *a, size_t i) { return (size_t)arg(a, i)[0]; }

static void need(const args *a, size_t n, const char *op) {
    if (a->count != n) fail("wrong number of arguments", op);
}

/* A kernel's result; out of memory on inputs this small fails the run. */
static int status_of(int status, const char *op) {
    if (status == PZ_OUT_OF_MEMORY) fail("out of memory", op);
    return status;
}

static void print_fes(const uint64_t *v, size_t count) {
    for (size_t i = 0; i < count; i++, v += 4)
        printf("%s%016llx%016llx%016llx%016llx", i ? " " : "", (unsigned long long)v[3],
               (unsigned long long)v[2], (unsigned long long)v[1], (unsigned long long)v[0]);
    printf("\n");
}

static void print_flag(int ok) { printf("%d\n", ok ? 1 : 0); }

/* ---- fields ---- */
typedef void (*binary_fn)(enum pz_field, uint64_t *, const uint64_t *, const uint64_t *);
typedef void (*unary_fn)(enum pz_field, uint64_t *, const uint64_t *);
static const struct { const char *name; binary_fn fn; } BINARY[] = {
    {"add", PZ(add)}, {"sub", PZ(sub)}, {"mul", PZ(mul)},
};
static const struct { const char *name; unary_fn fn; } UNARY[] = {
    {"neg", PZ(neg)}, {"sqr", PZ(sqr)},
};

static int field_op(const char *op, const args *a) {
    uint64_t r[4];
    for (size_t i = 0; i < sizeof BINARY / sizeof *BINARY; i++)
        if (!strcmp(op, BINARY[i].name)) {
            need(a, 3, op); BINARY[i].fn((enum pz_field)small(a, 0), r, arg(a, 1), arg(a, 2)); print_fes(r, 1);
            return 1;
        }
    for (size_t i = 0; i < sizeof UNARY / sizeof *UNARY; i++)
        if (!strcmp(op, UNARY[i].name)) {
            need(a, 2, op); UNARY[i].fn((enum pz_field)small(a, 0), r, arg(a, 1)); print_fes(r, 1); return 1;
        }
    if (!strcmp(op, "inv")) {
        need(a, 2, op);
        if (PZ(inv)((enum pz_field)small(a, 0), r, arg(a, 1))) print_fes(r, 1); else printf("-\n");
    } else if (!strcmp(op, "pow")) {
        need(a, 3, op); PZ(pow)((enum pz_field)small(a, 0), r, arg(a, 1), arg(a, 2), (int)a->used[2]); print_fes(r, 1);
    } else if (!strcmp(op, "sqrt")) {
        need(a, 1, op);
        if (PZ(sqrt)(r, arg(a, 0))) print_fes(r, 1); else printf("-\n");
    } else {
        return 0;
    }
    return 1;
}

/* ---- groups: the same operations on G1 (2 coordinates) and G2 (4) ---- */
typedef struct {
    const char *prefix;
    size_t nfe;
    void (*add)(uint64_t *, const uint64_t *, const uint64_t *);
    void (*dbl)(uint64_t *, const uint64_t *);
    void (*neg)(uint64_t *, const uint64_t *);
    void (*mul)(uint64_t *, const uint64_t *, const uint64_t *, int);
    int (*on_curve)(const uint64_t *);
    int (*in_subgroup)(const uint64_t *);
    int (*msm)(uint64_t *, const uint64_t *, const uint64_t *, size_t, int, int);
    int (*sparse_sums)(uint64_t *, const uint64_t *, size_t, const int64_t *, size_t, const uint32_t *,
                       const uint32_t *, const uint64_t *, size_t);
    int (*scale)(uint64_t *, const uint64_t *, size_t, const uint64_t *);   /* G1 only */
} group;

static const group GROUPS[] = {
    {"g1_", 2, PZ(g1_add), PZ(g1_double), PZ(g1_neg), PZ(g1_mul), PZ(g1_on_curve), PZ(g1_in_subgroup), PZ(g1_msm),
     PZ(g1_sparse_sums), PZ(g1_scale)},
    {"g2_", 4, PZ(g2_add), PZ(g2_double), PZ(g2_neg), PZ(g2_mul), PZ(g2_on_curve), PZ(g2_in_subgroup), PZ(g2_msm),
     PZ(g2_sparse_sums), NULL},
};

/* The count points of nfe coordinates from argument `first` on, as the core takes bases: with
 * Montgomery coordinates, in an array of their own (the caller frees it). */
static uint64_t *mont_points(const args *a, size_t first, size_t count, size_t nfe, const char *op) {
    uint64_t *points = malloc((count * nfe + 1) * 32);
    if (!points) fail("out of memory", op);
    if (count) PZ(to_mont)(PZ_FP, points, arg(a, first), count * nfe);
    return points;
}

/* Points the core returns with Montgomery coordinates (overwritten), printed canonical. */
static void print_mont_points(uint64_t *points, size_t count, size_t nfe) {
    PZ(from_mont)(PZ_FP, points, points, count * nfe);
    print_fes(points, count * nfe);
}

/* gN_msm WINDOW FLAGS N B1..BN K1..KN */
static void msm(const group *g, const args *a, const char *op) {
    if (a->count < 3) fail("wrong number of arguments", op);
    size_t n = small(a, 2);
    need(a, 3 + n * g->nfe + n, op);
    uint64_t *bases = mont_points(a, 3, n, g->nfe, op), *scalars = malloc((n + 1) * 32), r[16];
    if (!scalars) fail("out of memory", op);
    for (size_t i = 0; i < n; i++) memcpy(scalars + 4 * i, arg(a, 3 + n * g->nfe + i), 32);
    status_of(g->msm(r, bases, scalars, n, (int)small(a, 0), (int)small(a, 1)), op);
    print_fes(r, g->nfe);
    free(bases); free(scalars);
}

/* gN_sparse_sums NBASES NSUMS NTABLE B1..B(NBASES) PTR0..PTR(NSUMS) ROW1..ROWT ID1..IDT K1..K(NTABLE),
 * T = PTR(NSUMS): the core's CSR layout, with its int64 pointers and uint32 rows and ids. */
static void sparse_sums(const group *g, const args *a, const char *op) {
    if (a->count < 3) fail("wrong number of arguments", op);
    size_t nbases = small(a, 0), nsums = small(a, 1), ntable = small(a, 2), at = 3 + nbases * g->nfe;
    if (a->count < at + nsums + 1) fail("wrong number of arguments", op);
    size_t nterms = small(a, at + nsums);
    need(a, at + nsums + 1 + 2 * nterms + ntable, op);
    int64_t *ptr = malloc((nsums + 1) * sizeof *ptr);
    uint32_t *rows = malloc((nterms + 1) * sizeof *rows), *ids = malloc((nterms + 1) * sizeof *ids);
    uint64_t *bases = mont_points(a, 3, nbases, g->nfe, op), *table = malloc((ntable + 1) * 32);
    uint64_t *out = malloc((nsums * g->nfe + 1) * 32);
    if (!ptr || !rows || !ids || !table || !out) fail("out of memory", op);
    for (size_t s = 0; s <= nsums; s++) ptr[s] = (int64_t)arg(a, at + s)[0];
    at += nsums + 1;
    for (size_t t = 0; t < nterms; t++) {
        rows[t] = (uint32_t)arg(a, at + t)[0];
        ids[t] = (uint32_t)arg(a, at + nterms + t)[0];
    }
    at += 2 * nterms;
    for (size_t i = 0; i < ntable; i++) memcpy(table + 4 * i, arg(a, at + i), 32);
    if (status_of(g->sparse_sums(out, bases, nbases, ptr, nsums, rows, ids, table, ntable), op) == 0)
        print_mont_points(out, nsums, g->nfe);
    else printf("-\n");
    free(ptr); free(rows); free(ids); free(bases); free(table); free(out);
}

/* g1_scale K N B1..BN */
static void scale(const group *g, const args *a, const char *op) {
    if (!g->scale) fail("unknown operation", op);
    if (a->count < 2 || a->used[0] > 4) fail("wrong arguments", op);
    size_t n = small(a, 1);
    need(a, 2 + n * g->nfe, op);
    uint64_t *bases = mont_points(a, 2, n, g->nfe, op), *out = malloc((n * g->nfe + 1) * 32);
    if (!out) fail("out of memory", op);
    status_of(g->scale(out, bases, n, arg(a, 0)), op);
    print_mont_points(out, n, g->nfe);
    free(bases); free(out);
}

/* msm_batch J, then J jobs: GROUP N B1..BN K1..KN */
static void msm_batch(const args *a, const char *op) {
    if (a->count < 1) fail("wrong number of arguments", op);
    size_t njobs = small(a, 0), at = 1, nfes = 0;
    struct pz_msm_job *jobs = calloc(njobs + 1, sizeof *jobs);
    uint64_t *outs = calloc(16 * njobs + 1, sizeof *outs);
    if (!jobs || !outs) fail("out of memory", op);
    for (size_t j = 0; j < njobs; j++) {
        if (a->count < at + 2) fail("wrong number of arguments", op);
        enum pz_group g = (enum pz_group)small(a, at);
        size_t n = small(a, at + 1), nfe = g == PZ_G2 ? 4 : 2;
        if (a->count < at + 2 + n * nfe + n) fail("wrong number of arguments", op);
        uint64_t *bases = mont_points(a, at + 2, n, nfe, op), *scalars = malloc((n + 1) * 32);
        if (!scalars) fail("out of memory", op);
        for (size_t i = 0; i < n; i++) memcpy(scalars + 4 * i, arg(a, at + 2 + n * nfe + i), 32);
        jobs[j] = (struct pz_msm_job){g, outs + 4 * nfes, bases, scalars, n, 0};
        nfes += nfe;
        at += 2 + n * nfe + n;
    }
    need(a, at, op);
    status_of(PZ(msm_batch)(jobs, njobs), op);
    print_fes(outs, nfes);
    for (size_t j = 0; j < njobs; j++) { free((void *)jobs[j].bases); free((void *)jobs[j].scalars); }
    free(jobs); free(outs);
}

static int group_op(const char *op, const args *a) {
    for (size_t k = 0; k < sizeof GROUPS / sizeof *GROUPS; k++) {
        const group *g = &GROUPS[k];
        size_t plen = strlen(g->prefix), nfe = g->nfe;
        if (strncmp(op, g->prefix, plen)) continue;
        const char *name = op + plen;
        uint64_t r[16];
        if (!strcmp(name, "add")) { need(a, 2 * nfe, op); g->add(r, arg(a, 0), arg(a, nfe)); print_fes(r, nfe); }
        else if (!strcmp(name, "double")) { need(a, nfe, op); g->dbl(r, arg(a, 0)); print_fes(r, nfe); }
        else if (!strcmp(name, "neg")) { need(a, nfe, op); g->neg(r, arg(a, 0)); print_fes(r, nfe); }
        else if (!strcmp(name, "mul")) {
            need(a, nfe + 1, op); g->mul(r, arg(a, 0), arg(a, nfe), (int)a->used[nfe]); print_fes(r, nfe);
        }
        else if (!strcmp(name, "on_curve")) { need(a, nfe, op); print_flag(g->on_curve(arg(a, 0))); }
        else if (!strcmp(name, "in_subgroup")) { need(a, nfe, op); print_flag(g->in_subgroup(arg(a, 0))); }
        else if (!strcmp(name, "msm")) msm(g, a, op);
        else if (!strcmp(name, "sparse_sums")) sparse_sums(g, a, op);
        else if (!strcmp(name, "scale")) scale(g, a, op);
        else return 0;
        return 1;
    }
    return 0;
}

/* ---- pairing, NTT and Poseidon ---- */
static int other_op(const char *op, const args *a) {
    if (!strcmp(op, "msm_batch")) {
        msm_batch(a, op);
    } else if (!strcmp(op, "pairing") || !strcmp(op, "pairing_check")) {
        if (a->count < 1) fail("wrong number of arguments", op);
        size_t n = small(a, 0);
        need(a, 1 + 6 * n, op);
        if (!strcmp(op, "pairing_check")) {
            print_flag(status_of(PZ(pairing_check)(arg(a, 1), arg(a, 1 + 2 * n), n), op));
            return 1;
        }
        uint64_t f[48];
        status_of(PZ(pairing)(f, arg(a, 1), arg(a, 1 + 2 * n), n), op);
        print_fes(f, 12);
    } else if (!strcmp(op, "ntt")) {
        if (a->count < 3 || small(a, 0) > 20) fail("wrong arguments", op);
        size_t n = (size_t)1 << small(a, 0);
        need(a, 3 + n, op);
        uint64_t *data = malloc(32 * n);
        if (!data) fail("out of memory", op);
        memcpy(data, arg(a, 3), 32 * n);
        const uint64_t *s = arg(a, 2), *shift = (s[0] | s[1] | s[2] | s[3]) ? s : NULL;
        if (status_of(PZ(fr_ntt)(data, (int)small(a, 0), (int)small(a, 1), shift, 0), op) == 0) print_fes(data, n);
        else printf("-\n");
        free(data);
    } else if (!strcmp(op, "qap_h")) {
        if (a->count < 2 || small(a, 0) > 20) fail("wrong arguments", op);
        size_t n = (size_t)1 << small(a, 0);
        need(a, 2 + 2 * n, op);
        uint64_t *data = malloc(3 * 32 * n);
        if (!data) fail("out of memory", op);
        memcpy(data + 4 * n, arg(a, 2), 2 * 32 * n);
        if (status_of(PZ(qap_h)(data, data + 4 * n, data + 8 * n, (int)small(a, 0), arg(a, 1)), op) == 0)
            print_fes(data, n);
        else printf("-\n");
        free(data);
    } else if (!strcmp(op, "poseidon")) {
        if (a->count < 4) fail("wrong number of arguments", op);
        size_t t = small(a, 0), rounds = small(a, 1) + small(a, 2), n = small(a, 3);
        if (t > 64 || rounds > 1000 || n > 100000) fail("wrong arguments", op);
        size_t nark = rounds * t, nmds = t * t;
        need(a, 4 + nark + nmds + n * (t ? t - 1 : 0), op);
        uint64_t *params = malloc((nark + nmds + 1) * 32), *out = malloc((n + 1) * 32);
        if (!params || !out) fail("out of memory", op);
        if (nark + nmds) PZ(to_mont)(PZ_FR, params, arg(a, 4), nark + nmds);
        /* no inputs (t = 1 or n = 0): no argument to point at */
        const uint64_t *inputs = a->count > 4 + nark + nmds ? arg(a, 4 + nark + nmds) : NULL;
        int64_t status = PZ(poseidon)(out, inputs, n, (int)t, params, params + 4 * nark,
                                      (int)small(a, 1), (int)small(a, 2));
        if (status == 0) print_fes(out, n);
        else printf("- %lld\n", (long long)status);
        free(params); free(out);
    } else {
        return 0;
    }
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 2 || atoi(argv[1]) < 1) {
        fprintf(stderr, "usage: %s THREADS < commands\n", argv[0]);
        return 2;
    }
    pz_set_threads(atoi(argv[1]));
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, stdin) > 0) {
        args a;
        char *op = parse(line, &a);
        if (op && !field_op(op, &a) && !group_op(op, &a) && !other_op(op, &a)) fail("unknown operation", op);
        fflush(stdout);
        free(a.limbs); free(a.at); free(a.used);
    }
    free(line);
    return 0;
}
