/* The C core's exported functions, as native/src/api.h declares them (layouts and constants
 * are described there).
 *
 * This file is compiled once per arithmetic path (path_adx.c, path_portable.c), each defining
 * PZ_PATH, so every exported name carries its path: PZ(add) is pz_adx_add or pz_portable_add.
 * native/c_backend.py binds one path's functions into named records.
 */
#ifndef PZ_PATH  /* compiled on its own (a syntax check, an editor): names of a path called "standalone" */
#define PZ_PATH standalone
#endif
#include <stddef.h>
#include "api.h"
#include "alloc.h"
#include "pairing.h"
#include "threads.h"
#ifdef _OPENMP
#include <omp.h>
#endif

#define FIELD(which) ((which) == PZ_FR ? &FR : &FP)

/* canonical limbs <-> Montgomery elements, `count` field elements at a time */
static inline void load(fe *dst, const uint64_t *src, size_t count, const field *F) {
    for (size_t i = 0; i < count; i++) { fe t; memcpy(t.v, src + 4 * i, 32); fe_to_mont(&dst[i], &t, F); }
}
static inline void store(uint64_t *dst, const fe *src, size_t count, const field *F) {
    for (size_t i = 0; i < count; i++) { fe t; fe_from_mont(&t, &src[i], F); memcpy(dst + 4 * i, t.v, 32); }
}

/* ---- fields ---- */
void PZ(add)(enum pz_field which, uint64_t *r, const uint64_t *a, const uint64_t *b) {
    const field *F = FIELD(which); fe x, y; load(&x, a, 1, F); load(&y, b, 1, F); fe_add(&x, &x, &y, F); store(r, &x, 1, F);
}
void PZ(sub)(enum pz_field which, uint64_t *r, const uint64_t *a, const uint64_t *b) {
    const field *F = FIELD(which); fe x, y; load(&x, a, 1, F); load(&y, b, 1, F); fe_sub(&x, &x, &y, F); store(r, &x, 1, F);
}
void PZ(mul)(enum pz_field which, uint64_t *r, const uint64_t *a, const uint64_t *b) {
    const field *F = FIELD(which); fe x, y; load(&x, a, 1, F); load(&y, b, 1, F); fe_mul(&x, &x, &y, F); store(r, &x, 1, F);
}
void PZ(neg)(enum pz_field which, uint64_t *r, const uint64_t *a) {
    const field *F = FIELD(which); fe x; load(&x, a, 1, F); fe_neg(&x, &x, F); store(r, &x, 1, F);
}
void PZ(sqr)(enum pz_field which, uint64_t *r, const uint64_t *a) {
    const field *F = FIELD(which); fe x; load(&x, a, 1, F); fe_sqr(&x, &x, F); store(r, &x, 1, F);
}
int PZ(inv)(enum pz_field which, uint64_t *r, const uint64_t *a) {
    const field *F = FIELD(which); fe x; load(&x, a, 1, F);
    if (fe_is_zero(&x)) return 0;
    fe_inv(&x, &x, F); store(r, &x, 1, F); return 1;
}
void PZ(pow)(enum pz_field which, uint64_t *r, const uint64_t *a, const uint64_t *e, int nlimbs) {
    const field *F = FIELD(which); fe x; load(&x, a, 1, F); fe_pow(&x, &x, e, nlimbs, F); store(r, &x, 1, F);
}

/* p = 3 mod 4, so a^((p+1)/4) is a root whenever one exists; returns the smaller root. */
int PZ(sqrt)(uint64_t *r, const uint64_t *a) {
    static const uint64_t exp[4] = FP_SQRT_EXP;
    fe x, root, check;
    load(&x, a, 1, &FP);
    fe_pow(&root, &x, exp, 4, &FP);
    fp_sqr(&check, &root);
    if (!fe_equal(&check, &x)) return 0;
    fe other, c0, c1;
    fp_neg(&other, &root);
    fe_from_mont(&c0, &root, &FP); fe_from_mont(&c1, &other, &FP);
    /* pick the root that is at most p - root, as canonical integers */
    int smaller = 1;
    for (int i = 3; i >= 0; i--) { if (c0.v[i] != c1.v[i]) { smaller = c0.v[i] < c1.v[i]; break; } }
    memcpy(r, smaller ? c0.v : c1.v, 32);
    return 1;
}

/* out[i] = 1/in[i]; returns -1, the index of the first zero (then out is untouched), or
 * PZ_OUT_OF_MEMORY. */
int64_t PZ(batch_inv)(enum pz_field which, uint64_t *out, const uint64_t *in, size_t n) {
    const field *F = FIELD(which);
    if (n == 0) return -1;
    for (size_t i = 0; i < n; i++) {
        const uint64_t *v = in + 4 * i;
        if ((v[0] | v[1] | v[2] | v[3]) == 0) return (int64_t)i;
    }
    fe *x = alloc_array(n, sizeof *x), *scratch = alloc_array(n, sizeof *scratch);
    if (!x || !scratch) { free(x); free(scratch); return PZ_OUT_OF_MEMORY; }
    load(x, in, n, F);
    fe_batch_inv(x, x, scratch, n, F);
    store(out, x, n, F);
    free(x); free(scratch);
    return -1;
}

void PZ(mul_many)(enum pz_field which, uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n) {
    const field *F = FIELD(which);
    team t = team_begin(n, 8192);
    #pragma omp parallel num_threads(t.threads)
    {
        int64_t cpu = team_thread_start(t);
        #pragma omp for schedule(static) nowait
        for (size_t i = 0; i < n; i++) {
            /* canonical in and out with two Montgomery products: (a b / 2^256) * 2^512 / 2^256 */
            fe x;
            fe_mul(&x, (const fe *)(a + 4 * i), (const fe *)(b + 4 * i), F);
            fe_mul((fe *)(out + 4 * i), &x, &F->r2, F);
        }
        team_thread_end(t, cpu);
    }
    team_end(t);
}

void PZ(to_mont)(enum pz_field which, uint64_t *out, const uint64_t *in, size_t n) {
    const field *F = FIELD(which);
    team t = team_begin(n, 8192);
    #pragma omp parallel num_threads(t.threads)
    {
        int64_t cpu = team_thread_start(t);
        #pragma omp for schedule(static) nowait
        for (size_t i = 0; i < n; i++) load((fe *)(out + 4 * i), in + 4 * i, 1, F);
        team_thread_end(t, cpu);
    }
    team_end(t);
}
void PZ(from_mont)(enum pz_field which, uint64_t *out, const uint64_t *in, size_t n) {
    const field *F = FIELD(which);
    team t = team_begin(n, 8192);
    #pragma omp parallel num_threads(t.threads)
    {
        int64_t cpu = team_thread_start(t);
        #pragma omp for schedule(static) nowait
        for (size_t i = 0; i < n; i++) store(out + 4 * i, (const fe *)(in + 4 * i), 1, F);
        team_thread_end(t, cpu);
    }
    team_end(t);
}

/* How many limbs of a canonical input are a valid field element: 1 if every one of `count`
 * field elements is < p. */
static inline int all_canonical(const uint64_t *src, size_t count) {
    for (size_t i = 0; i < count; i++) { fe t; memcpy(t.v, src + 4 * i, 32); if (!fe_is_canonical(&t, &FP)) return 0; }
    return 1;
}

/* ---- groups, once for G1 and once for G2 ----
 * batch_to_affine returns 0 or PZ_OUT_OF_MEMORY. */
#define GROUP_API(G, NFE)                                                                        \
/* n Jacobian points, their affine images (*x) and G##_batch_to_affine's scratch in one buffer,  \
 * so one check and one free; NULL when out of memory. */                                       \
static G##_jac *G##_batch_alloc(size_t n, G##_aff **x, void **scratch) {                         \
    G##_jac *j = alloc_array(n, sizeof *j + sizeof **x + sizeof j->z);                           \
    if (j) { *x = (G##_aff *)(j + n); *scratch = *x + n; }                                      \
    return j;                                                                                    \
}                                                                                                \
void PZ(G##_add)(uint64_t *r, const uint64_t *a, const uint64_t *b) {                          \
    G##_aff x, y, z; G##_jac j; load((fe *)&x, a, NFE, &FP); load((fe *)&y, b, NFE, &FP);       \
    G##_from_affine(&j, &x); G##_add_mixed(&j, &j, &y); G##_to_affine(&z, &j);                  \
    store(r, (fe *)&z, NFE, &FP);                                                               \
}                                                                                                \
void PZ(G##_double)(uint64_t *r, const uint64_t *a) {                                          \
    G##_aff x; G##_jac j; load((fe *)&x, a, NFE, &FP);                                           \
    G##_from_affine(&j, &x); G##_double(&j, &j); G##_to_affine(&x, &j);                         \
    store(r, (fe *)&x, NFE, &FP);                                                               \
}                                                                                                \
void PZ(G##_neg)(uint64_t *r, const uint64_t *a) {                                             \
    G##_aff x; load((fe *)&x, a, NFE, &FP); G##_aff_neg(&x, &x); store(r, (fe *)&x, NFE, &FP);  \
}                                                                                                \
void PZ(G##_mul)(uint64_t *r, const uint64_t *a, const uint64_t *k, int nlimbs) {              \
    G##_aff x; G##_jac j; load((fe *)&x, a, NFE, &FP);                                           \
    G##_mul(&j, &x, k, nlimbs); G##_to_affine(&x, &j); store(r, (fe *)&x, NFE, &FP);            \
}                                                                                                \
int PZ(G##_on_curve)(const uint64_t *a) {                                                      \
    G##_aff x; load((fe *)&x, a, NFE, &FP); return G##_aff_on_curve(&x);                        \
}                                                                                                \
int PZ(G##_in_subgroup)(const uint64_t *a) {                                                   \
    G##_aff x; load((fe *)&x, a, NFE, &FP); return G##_aff_in_subgroup(&x);                     \
}                                                                                                \
int PZ(G##_batch_to_affine)(uint64_t *out, const uint64_t *in, size_t n) {                     \
    G##_aff *x; void *scratch; G##_jac *j = G##_batch_alloc(n, &x, &scratch);                    \
    if (!j) return PZ_OUT_OF_MEMORY;                                                             \
    load((fe *)j, in, n * 3 * NFE / 2, &FP);                                                    \
    G##_batch_to_affine(x, j, scratch, n);                                                      \
    store(out, (fe *)x, n * NFE, &FP);                                                          \
    free(j);                                                                                     \
    return 0;                                                                                    \
}                                                                                                \
/* First invalid point of n (or -1), with the check it failed in *code. Checks run up to `upto`;\
 * `mont`: coordinates in Montgomery form, as a .zkey or .ptau stores them (x < p iff its       \
 * Montgomery form is < p). */                                                                   \
int64_t PZ(G##_check)(const uint64_t *pts, size_t n, enum pz_check upto, int mont, int *code) { \
    int64_t first = -1; int first_code = 0;                                                     \
    /* a subgroup check in G2 costs a scalar multiplication; the rest, a few products */        \
    team t = team_begin(n, upto >= PZ_CHECK_SUBGROUP && NFE == 4 ? 4 : 4096);                   \
    _Pragma("omp parallel num_threads(t.threads)")                                              \
    {                                                                                            \
    int64_t cpu = team_thread_start(t);                                                         \
    _Pragma("omp for schedule(dynamic, 16) nowait")                                             \
    for (size_t i = 0; i < n; i++) {                                                            \
        const uint64_t *src = pts + 4 * NFE * i;                                                \
        int c = 0;                                                                               \
        if (!all_canonical(src, NFE)) c = PZ_CHECK_CANONICAL;                                    \
        else if (upto >= PZ_CHECK_CURVE) {                                                       \
            G##_aff x;                                                                           \
            if (mont) memcpy(&x, src, sizeof x); else load((fe *)&x, src, NFE, &FP);             \
            if (!G##_aff_on_curve(&x)) c = PZ_CHECK_CURVE;                                       \
            else if (upto >= PZ_CHECK_SUBGROUP && !G##_on_curve_in_subgroup(&x)) c = PZ_CHECK_SUBGROUP; \
        }                                                                                        \
        if (c) {                                                                                 \
            _Pragma("omp critical")                                                              \
            if (first < 0 || (int64_t)i < first) { first = (int64_t)i; first_code = c; }        \
        }                                                                                        \
    }                                                                                            \
    team_thread_end(t, cpu);                                                                     \
    }                                                                                            \
    team_end(t);                                                                                 \
    *code = first_code;                                                                          \
    return first;                                                                                \
}

GROUP_API(g1, 2)
GROUP_API(g2, 4)

/* ---- pairing ----
 * miller_loop, final_exp and pairing return 0 or PZ_OUT_OF_MEMORY; pairing_check 1 when the
 * product of the pairings is 1, else 0, or PZ_OUT_OF_MEMORY. */

/* The Miller loop's product over n canonical pairs, with the whole final exponentiation when
 * `final`; 0 or PZ_OUT_OF_MEMORY. */
static int pairing_product(fp12 *f, const uint64_t *g1s, const uint64_t *g2s, size_t n, int final) {
    g1_aff *p = alloc_array(n, sizeof *p); g2_aff *q = alloc_array(n, sizeof *q);
    int status = p && q ? 0 : PZ_OUT_OF_MEMORY;
    if (!status) {
        load((fe *)p, g1s, 2 * n, &FP); load((fe *)q, g2s, 4 * n, &FP);
        status = miller_loop(f, p, q, n, final);
    }
    free(p); free(q);
    if (!status && final) status = hard_exponentiation(f, f);
    return status;
}
int PZ(miller_loop)(uint64_t *out, const uint64_t *g1s, const uint64_t *g2s, size_t n) {
    fp12 f; int status = pairing_product(&f, g1s, g2s, n, 0);
    if (!status) store(out, (fe *)&f, 12, &FP);
    return status;
}
int PZ(final_exp)(uint64_t *out, const uint64_t *in) {
    fp12 f; load((fe *)&f, in, 12, &FP);
    int status = final_exponentiation(&f, &f);
    if (!status) store(out, (fe *)&f, 12, &FP);
    return status;
}
int PZ(pairing)(uint64_t *out, const uint64_t *g1s, const uint64_t *g2s, size_t n) {
    fp12 f; int status = pairing_product(&f, g1s, g2s, n, 1);
    if (!status) store(out, (fe *)&f, 12, &FP);
    return status;
}
int PZ(pairing_check)(const uint64_t *g1s, const uint64_t *g2s, size_t n) {
    fp12 f; int status = pairing_product(&f, g1s, g2s, n, 1);
    return status ? status : fp12_is_one(&f);
}
void PZ(fp12_mul)(uint64_t *out, const uint64_t *a, const uint64_t *b) {
    fp12 x, y; load((fe *)&x, a, 12, &FP); load((fe *)&y, b, 12, &FP); fp12_mul(&x, &x, &y); store(out, (fe *)&x, 12, &FP);
}
void PZ(fp12_sqr)(uint64_t *out, const uint64_t *a) {
    fp12 x; load((fe *)&x, a, 12, &FP); fp12_sqr(&x, &x); store(out, (fe *)&x, 12, &FP);
}
int PZ(fp12_inv)(uint64_t *out, const uint64_t *a) {
    fp12 x; load((fe *)&x, a, 12, &FP);
    fp12 zero; memset(&zero, 0, sizeof zero);
    if (fp12_equal(&x, &zero)) return 0;
    fp12_inv(&x, &x); store(out, (fe *)&x, 12, &FP); return 1;
}
void PZ(fp12_pow)(uint64_t *out, const uint64_t *a, const uint64_t *e, int nlimbs) {
    fp12 base, acc; load((fe *)&base, a, 12, &FP); fp12_one(&acc);
    for (int i = nlimbs * 64 - 1; i >= 0; i--) {
        fp12_sqr(&acc, &acc);
        if ((e[i / 64] >> (i % 64)) & 1) fp12_mul(&acc, &acc, &base);
    }
    store(out, (fe *)&acc, 12, &FP);
}
void PZ(fp12_frobenius)(uint64_t *out, const uint64_t *a, int k) {
    fp12 x; load((fe *)&x, a, 12, &FP); fp12_frobenius(&x, &x, k); store(out, (fe *)&x, 12, &FP);
}
void PZ(fp12_cyclotomic_sqr)(uint64_t *out, const uint64_t *a) {
    fp12 x; load((fe *)&x, a, 12, &FP); fp12_cyclotomic_sqr(&x, &x); store(out, (fe *)&x, 12, &FP);
}

/* ---- MSM and NTT (issue 5) ----
 * MSM bases are "prepared": affine points whose coordinates are already in Montgomery form
 * (pz_to_mont over all 2n / 4n coordinates), infinity as zeros; scalars are canonical 4-limb
 * values below 2^256, reduced modulo r (the bases must lie in the order-r subgroup). The result
 * is a canonical affine point. window 0 lets the cost model choose; flags as in msm_impl.h.
 * Returns 0 or PZ_OUT_OF_MEMORY. */
#include "msm.h"
#include "ntt.h"

int PZ(g1_msm)(uint64_t *out, const uint64_t *bases, const uint64_t *scalars, size_t n, int window, int flags) {
    g1_jac j; g1_aff a;
    int status = g1_msm(&j, (const g1_aff *)bases, scalars, n, window, flags);
    if (status) return status;
    g1_to_affine(&a, &j);
    store(out, (fe *)&a, 2, &FP);
    return 0;
}
int PZ(g2_msm)(uint64_t *out, const uint64_t *bases, const uint64_t *scalars, size_t n, int window, int flags) {
    g2_jac j; g2_aff a;
    int status = g2_msm(&j, (const g2_aff *)bases, scalars, n, window, flags);
    if (status) return status;
    g2_to_affine(&a, &j);
    store(out, (fe *)&a, 4, &FP);
    return 0;
}
/* ---- A batch of independent MSMs (a small proof's five) ----
 * An MSM of a few thousand points splits poorly over threads (msm_core keeps 1,024 points a
 * thread), so a small proof's MSMs ran one after another on about one thread each. The batch runs
 * them side by side instead, each on one thread: a thread takes the costliest job left (longest
 * first keeps the threads' shares even), and a job's own team_begin finds the batch's team in
 * flight and runs alone (team_max_threads() is 1 there, so its cost model plans for one thread).
 * The team is sized by the largest job: more threads than the total over the largest cannot end
 * sooner, and a batch whose largest job outweighs the rest (or a busy machine, where team_begin
 * gives one thread) runs its jobs in turn, each splitting as it would alone. */

/* A job's cost in half G1 points: a G2 point costs 2.5 G1 points (measured, one thread, a
 * circom chain's witness: B2 against A, 2.38x at 2^10 points, 2.46x at 2^12, 2.48x at 2^14). */
static size_t msm_job_cost(const struct pz_msm_job *job) {
    return job->n * (job->group == PZ_G2 ? 5 : 2);
}
/* worth a thread of its own: 1,024 G1 points, msm_core's split */
#define MSM_BATCH_PER_THREAD 2048

static void msm_job_run(struct pz_msm_job *job) {
    job->status = job->group == PZ_G2 ? PZ(g2_msm)(job->out, job->bases, job->scalars, job->n, 0, 0)
                                      : PZ(g1_msm)(job->out, job->bases, job->scalars, job->n, 0, 0);
}

int PZ(msm_batch)(struct pz_msm_job *jobs, size_t njobs) {
    size_t total = 0, largest = 0;
    for (size_t i = 0; i < njobs; i++) {
        size_t cost = msm_job_cost(&jobs[i]);
        total += cost;
        if (cost > largest) largest = cost;
        jobs[i].status = 1;   /* not taken yet */
    }
    team t = team_begin(total, largest > MSM_BATCH_PER_THREAD ? largest : MSM_BATCH_PER_THREAD);
    if (t.threads < 2) {
        for (size_t i = 0; i < njobs; i++) msm_job_run(&jobs[i]);
    } else {
        #pragma omp parallel num_threads(t.threads)
        {
            int64_t cpu = team_thread_start(t);
            for (;;) {
                struct pz_msm_job *job = NULL;
                #pragma omp critical(pz_msm_batch)
                {
                    for (size_t i = 0; i < njobs; i++)
                        if (jobs[i].status == 1 && (!job || msm_job_cost(&jobs[i]) > msm_job_cost(job))) job = &jobs[i];
                    if (job) job->status = 0;
                }
                if (!job) break;
                msm_job_run(job);
            }
            team_thread_end(t, cpu);
        }
    }
    team_end(t);
    int status = 0;
    for (size_t i = 0; i < njobs; i++) if (jobs[i].status) status = PZ_OUT_OF_MEMORY;
    return status;
}

/* Fixed-base tables (msm_impl.h): the window of a table of n bases holding at most max_points
 * points (0: none fits); the table (n * (254 / c + 1) prepared points) from prepared bases; and
 * an MSM from it. Each returns 0 or PZ_OUT_OF_MEMORY, as msm. */
int PZ(msm_table_window)(enum pz_group group, size_t n, size_t max_points) {
    return group == PZ_G2 ? g2_msm_table_choose(n, max_points) : g1_msm_table_choose(n, max_points);
}
#define MSM_FIXED_API(G, NFE)                                                                      \
int PZ(G##_msm_table)(uint64_t *table, const uint64_t *bases, size_t n, int c) {                   \
    return G##_msm_table((G##_aff *)table, (const G##_aff *)bases, n, c);                         \
}                                                                                                  \
int PZ(G##_msm_fixed)(uint64_t *out, const uint64_t *table, const uint64_t *scalars, size_t n, int c) { \
    G##_jac j; G##_aff a;                                                                          \
    int status = G##_msm_fixed(&j, (const G##_aff *)table, scalars, n, c);                       \
    if (status) return status;                                                                     \
    G##_to_affine(&a, &j);                                                                         \
    store(out, (fe *)&a, NFE, &FP);                                                                \
    return 0;                                                                                      \
}
MSM_FIXED_API(g1, 2)
MSM_FIXED_API(g2, 4)
#undef MSM_FIXED_API

/* The window the cost model picks for n points with nbits-bit scalars in a group; *affine
 * tells whether buckets are accumulated in affine batches. */
int PZ(msm_window)(enum pz_group group, size_t n, int nbits, int *affine) {
    int threads = team_max_threads();
    return group == PZ_G2 ? g2_msm_choose(n, nbits, threads, affine) : g1_msm_choose(n, nbits, threads, affine);
}

void PZ(msm_glv_split)(uint64_t *halves, int *negative, const uint64_t *k) {
    msm_glv_split(halves, &negative[0], halves + 4, &negative[1], k);
}

/* In-place NTT of 2^log Fr elements; canonical limbs unless mont != 0 (then Montgomery, as
 * pz_to_mont makes them). shift: canonical coset generator, or NULL. Returns 0, -1 when log is
 * out of range or the shift is 0, or PZ_OUT_OF_MEMORY (data unchanged). */
int PZ(fr_ntt)(uint64_t *data, int log, int inverse, const uint64_t *shift, int mont) {
    if (log < 0 || log > NTT_MAX_LOG) return -1;
    size_t n = (size_t)1 << log;
    fe g, *a = (fe *)data;
    if (shift) {
        load(&g, shift, 1, &FR);
        if (fe_is_zero(&g)) return -1;
    }
    if (!mont) PZ(to_mont)(PZ_FR, data, data, n);
    int status = ntt(a, log, inverse, shift ? &g : NULL);
    if (!mont) PZ(from_mont)(PZ_FR, data, data, n);   /* after a failed ntt, the input as it was */
    return status;
}

/* Benchmark and test inputs with known discrete logs: out[i] = (a + i*d) * G for the group's
 * generator G (given canonical affine in gen), canonical affine; a and d are 4-limb scalars.
 * Chunks start with a scalar multiplication, then step by adding d*G. Returns 0 or
 * PZ_OUT_OF_MEMORY: a chunk that cannot get its buffers stops the rest, and out is void. */
#define PROGRESSION_API(G, NFE)                                                                  \
int PZ(G##_progression)(uint64_t *out, const uint64_t *gen, const uint64_t *a, const uint64_t *d, size_t n) { \
    G##_aff g, step; G##_jac t; load((fe *)&g, gen, NFE, &FP);                                  \
    G##_mul(&t, &g, d, 4); G##_to_affine(&step, &t);                                            \
    size_t chunk = 4096, nchunks = (n + chunk - 1) / chunk;                                      \
    atomic_int failed = 0;                                                                       \
    team chunks = team_begin(nchunks, 1);                                                        \
    _Pragma("omp parallel num_threads(chunks.threads)")                                           \
    {                                                                                            \
    int64_t cpu = team_thread_start(chunks);                                                    \
    _Pragma("omp for schedule(dynamic, 1) nowait")                                              \
    for (size_t c = 0; c < nchunks; c++) {                                                       \
        if (atomic_load_explicit(&failed, memory_order_relaxed)) continue;                      \
        size_t lo = c * chunk, hi = lo + chunk < n ? lo + chunk : n;                             \
        G##_aff *x; void *scratch; G##_jac *j = G##_batch_alloc(hi - lo, &x, &scratch);          \
        if (!j) { atomic_store_explicit(&failed, 1, memory_order_relaxed); continue; }          \
        /* start = a + lo * d (mod r, computed in Fr) */                                        \
        fe fa, fd, fl, s; uint64_t l4[4] = {lo, 0, 0, 0};                                        \
        load(&fa, a, 1, &FR); load(&fd, d, 1, &FR); load(&fl, l4, 1, &FR);                       \
        fe_mul(&s, &fd, &fl, &FR); fe_add(&s, &s, &fa, &FR); fe_from_mont(&s, &s, &FR);          \
        G##_mul(&j[0], &g, s.v, 4);                                                              \
        for (size_t i = 1; i < hi - lo; i++) G##_add_mixed(&j[i], &j[i - 1], &step);             \
        G##_batch_to_affine(x, j, scratch, hi - lo);                                             \
        store(out + 4 * NFE * lo, (fe *)x, (hi - lo) * NFE, &FP);                                \
        free(j);                                                                                 \
    }                                                                                            \
    team_thread_end(chunks, cpu);                                                                \
    }                                                                                            \
    team_end(chunks);                                                                            \
    return failed ? PZ_OUT_OF_MEMORY : 0;                                                        \
}
PROGRESSION_API(g1, 2)
PROGRESSION_API(g2, 4)

/* Fixed-base multiplication for key generation: out[i] = k_i * G for 4-limb scalars k_i (any
 * 256-bit value, reduced mod r first), canonical affine, (0, 0) for infinity.
 *
 * A table of d * 2^(c w) * G (w < ceil(254 / c) windows, 0 < d < 2^c, c from
 * fixed_base_window, made once a call: give many scalars at a time) turns each product into
 * one addition a window and no doublings. The additions run in affine coordinates, a window
 * of a chunk of products at a time, sharing one inversion (batch_add_affine). They never meet
 * an exception: before window w the running sum is a G with the integer a < 2^(c w), the
 * addend t G with t = d 2^(c w) > a, and a + t <= k < r, so neither a = t nor a = r - t. Returns 0 or PZ_OUT_OF_MEMORY (out void). */
static inline unsigned fixed_base_digit(const uint64_t *k, int pos, int c) {
    int limb = pos / 64, off = pos % 64;
    uint64_t v = k[limb] >> off;
    if (off + c > 64 && limb < 3) v |= k[limb + 1] << (64 - off);
    return (unsigned)(v & (((uint64_t)1 << c) - 1));
}

static inline void fixed_base_reduce(uint64_t *k, const uint64_t *in) {   /* in < 2^256 < 6r */
    memcpy(k, in, 32);
    while (!fe_is_canonical((const fe *)k, &FR)) {
        uint64_t borrow = 0;
        for (int l = 0; l < 4; l++) borrow = sub_borrow(k[l], FR.modulus.v[l], borrow, &k[l]);
    }
}

/* The window up to max_c with the fewest additions for n products: ceil(254 / c) windows, each
 * costing n additions and about 1.5 * 2^c to build its row of the table (an addition, then the
 * share of the conversion to affine, a point). The cap keeps the table where the lookups stay
 * cheap; measured for 2^18 products on a loaded 2-core EPYC (CPU seconds, c = 8/10/12/13/14/16):
 * G1 1.21/1.29/1.52/1.44/1.62/2.52 (its 0.5 MiB table at c = 8 fits the L2 cache, and a G1
 * addition is cheap beside a miss), G2 3.18/2.85/2.81/2.78/2.97/4.10. */
static int fixed_base_window(size_t n, int max_c) {
    int best = 2;
    double least = 0;
    for (int c = 2; c <= max_c; c++) {
        double cost = (double)((254 + c - 1) / c) * ((double)n + 1.5 * (double)((size_t)1 << c));
        if (c == 2 || cost < least) { least = cost; best = c; }
    }
    return best;
}

#define FIXED_BASE_API(G, NFE, MAX_C)                                                            \
int PZ(G##_fixed_base)(uint64_t *out, const uint64_t *gen, const uint64_t *scalars, size_t n) { \
    enum { CHUNK = 1024 };                                                                       \
    if (!n) return 0;                                                                            \
    int c = fixed_base_window(n, MAX_C), nwin = (254 + c - 1) / c;                               \
    size_t digits = ((size_t)1 << c) - 1;                                                        \
    G##_aff *table = alloc_array((size_t)nwin * digits, sizeof *table);                          \
    G##_aff *steps = alloc_array((size_t)nwin, sizeof *steps);   /* 2^(c w) G */                \
    if (!table || !steps) { free(table); free(steps); return PZ_OUT_OF_MEMORY; }                 \
    load((fe *)&steps[0], gen, NFE, &FP);                                                        \
    for (int w = 1; w < nwin; w++) {                                                             \
        G##_jac t; G##_from_affine(&t, &steps[w - 1]);                                           \
        for (int b = 0; b < c; b++) G##_double(&t, &t);                                          \
        G##_to_affine(&steps[w], &t);                                                            \
    }                                                                                            \
    atomic_int failed = 0;                                                                       \
    team rows = team_begin((size_t)nwin, 1);                                                     \
    _Pragma("omp parallel num_threads(rows.threads)")                                           \
    {                                                                                            \
    int64_t cpu = team_thread_start(rows);                                                      \
    G##_aff *x; void *scratch; G##_jac *row = G##_batch_alloc(digits, &x, &scratch);             \
    if (!row) atomic_store_explicit(&failed, 1, memory_order_relaxed);                          \
    _Pragma("omp for schedule(dynamic, 1) nowait")                                              \
    for (int w = 0; w < nwin; w++) {                                                             \
        if (!row) continue;                                                                      \
        G##_from_affine(&row[0], &steps[w]);                                                     \
        for (size_t d = 1; d < digits; d++) G##_add_mixed(&row[d], &row[d - 1], &steps[w]);      \
        G##_batch_to_affine(table + (size_t)w * digits, row, scratch, digits);                   \
    }                                                                                            \
    free(row);                                                                                   \
    team_thread_end(rows, cpu);                                                                  \
    }                                                                                            \
    team_end(rows);                                                                              \
    free(steps);                                                                                 \
    size_t nchunks = (n + CHUNK - 1) / CHUNK;                                                    \
    team t = team_begin(failed ? 0 : nchunks, 1);                                                \
    _Pragma("omp parallel num_threads(t.threads)")                                              \
    {                                                                                            \
    int64_t cpu = team_thread_start(t);                                                         \
    G##_aff *acc = alloc_array(CHUNK, sizeof *acc + sizeof(G##_aff *) + sizeof(G##_aff *)       \
                                      + 32 + sizeof acc->x);                                     \
    G##_aff **p = (G##_aff **)(acc + CHUNK);                                                     \
    const G##_aff **q = (const G##_aff **)(p + CHUNK);                                           \
    uint64_t *k = (uint64_t *)(q + CHUNK);                                                       \
    void *scratch = k + 4 * CHUNK;                                                               \
    if (!acc) atomic_store_explicit(&failed, 1, memory_order_relaxed);                          \
    _Pragma("omp for schedule(dynamic, 1) nowait")                                              \
    for (size_t ch = 0; ch < nchunks; ch++) {                                                    \
        if (!acc || atomic_load_explicit(&failed, memory_order_relaxed)) continue;              \
        size_t lo = ch * CHUNK, m = (lo + CHUNK < n ? lo + CHUNK : n) - lo;                      \
        for (size_t i = 0; i < m; i++) fixed_base_reduce(k + 4 * i, scalars + 4 * (lo + i));    \
        memset(acc, 0, m * sizeof *acc);                                                         \
        for (int w = 0; w < nwin; w++) {                                                         \
            size_t pending = 0;                                                                  \
            for (size_t i = 0; i < m; i++) {                                                     \
                unsigned d = fixed_base_digit(k + 4 * i, w * c, c);                              \
                if (!d) continue;                                                                \
                const G##_aff *addend = &table[(size_t)w * digits + d - 1];                      \
                if (G##_aff_is_infinity(&acc[i])) { acc[i] = *addend; continue; }               \
                p[pending] = &acc[i]; q[pending++] = addend;                                     \
            }                                                                                    \
            G##_batch_add_affine(p, q, scratch, pending);                                        \
        }                                                                                        \
        store(out + 4 * NFE * lo, (fe *)acc, m * NFE, &FP);                                      \
    }                                                                                            \
    free(acc);                                                                                   \
    team_thread_end(t, cpu);                                                                     \
    }                                                                                            \
    team_end(t);                                                                                 \
    free(table);                                                                                 \
    return failed ? PZ_OUT_OF_MEMORY : 0;                                                        \
}
FIXED_BASE_API(g1, 2, 8)
FIXED_BASE_API(g2, 4, 12)

/* out[i] for i < n (Montgomery affine, (0, 0) at infinity), each computed in Jacobian
 * coordinates by each(acc, i, ctx): chunks of AFFINE_OUTPUTS_CHUNK outputs shared out to the
 * threads (work: the team's size measure, min_work: per thread), each chunk made affine with one
 * inversion. Returns 0 or PZ_OUT_OF_MEMORY (out void). */
enum { AFFINE_OUTPUTS_CHUNK = 512 };
#define AFFINE_OUTPUTS_API(G, NFE)                                                               \
static int G##_affine_outputs(uint64_t *out, size_t n, size_t work, size_t min_work,            \
                              void (*each)(G##_jac *acc, size_t i, const void *ctx), const void *ctx) { \
    size_t nchunks = (n + AFFINE_OUTPUTS_CHUNK - 1) / AFFINE_OUTPUTS_CHUNK;                     \
    atomic_int failed = 0;                                                                       \
    team t = team_begin(work, min_work);                                                         \
    _Pragma("omp parallel num_threads(t.threads)")                                              \
    {                                                                                            \
    int64_t cpu = team_thread_start(t);                                                         \
    G##_aff *x; void *scratch; G##_jac *acc = G##_batch_alloc(AFFINE_OUTPUTS_CHUNK, &x, &scratch); \
    if (!acc) atomic_store_explicit(&failed, 1, memory_order_relaxed);                          \
    _Pragma("omp for schedule(dynamic, 1) nowait")                                              \
    for (size_t c = 0; c < nchunks; c++) {                                                       \
        if (!acc || atomic_load_explicit(&failed, memory_order_relaxed)) continue;              \
        size_t lo = c * AFFINE_OUTPUTS_CHUNK;                                                    \
        size_t m = (lo + AFFINE_OUTPUTS_CHUNK < n ? lo + AFFINE_OUTPUTS_CHUNK : n) - lo;         \
        for (size_t i = 0; i < m; i++) each(&acc[i], lo + i, ctx);                               \
        G##_batch_to_affine(x, acc, scratch, m);                                                 \
        memcpy(out + 4 * NFE * lo, x, m * sizeof *x);                                            \
    }                                                                                            \
    free(acc);                                                                                   \
    team_thread_end(t, cpu);                                                                     \
    }                                                                                            \
    team_end(t);                                                                                 \
    return failed ? PZ_OUT_OF_MEMORY : 0;                                                        \
}
AFFINE_OUTPUTS_API(g1, 2)
AFFINE_OUTPUTS_API(g2, 4)

/* Sparse sums of points, for a setup on a powers-of-tau ceremony (issue 26): for s < nsums,
 * out[s] = sum of table[ids[t]] * bases[rows[t]] over ptr[s] <= t < ptr[s + 1]: the key's
 * point of a signal from the ceremony's Lagrange points its terms touch. Bases and out are
 * Montgomery affine (the layout of .ptau and .zkey point sections, (0, 0) at infinity), the
 * table canonical 4-limb scalars below 2^256 (reduced mod r); a zero sum is (0, 0).
 * Circuit coefficients are mostly small or small negatives: each product runs on the shorter of
 * k and r - k (the point negated), a scalar of one limb by double-and-add (1 is one mixed
 * addition), a longer one by the wNAF multiplication (G##_affine_outputs shares the sums out).
 * Returns 0, -1 when ptr is not ascending or a row or id is out of range (out void), or
 * PZ_OUT_OF_MEMORY (out void). */
static inline int sparse_scalar(uint64_t *k, const uint64_t *in) {   /* k = the shorter of in, r - in; 1 if negated */
    uint64_t m[4], borrow = 0;
    fixed_base_reduce(k, in);
    if (!(k[0] | k[1] | k[2] | k[3])) return 0;
    for (int l = 0; l < 4; l++) borrow = sub_borrow(FR.modulus.v[l], k[l], borrow, &m[l]);
    for (int l = 3; l >= 0; l--) {
        if (m[l] != k[l]) {
            if (m[l] > k[l]) return 0;
            memcpy(k, m, 32);
            return 1;
        }
    }
    return 0;
}

#define SPARSE_SUMS_API(G, NFE)                                                                  \
static inline void G##_add_multiple(G##_jac *acc, const G##_aff *p, const uint64_t *scalar) {   \
    uint64_t k[4];                                                                               \
    G##_aff q = *p;                                                                              \
    if (sparse_scalar(k, scalar)) G##_aff_neg(&q, &q);                                          \
    int nlimbs = 4;                                                                              \
    while (nlimbs && !k[nlimbs - 1]) nlimbs--;                                                   \
    if (!nlimbs || G##_aff_is_infinity(&q)) return;                                              \
    G##_jac t;                                                                                   \
    if (nlimbs == 1) {                                                                           \
        if (k[0] == 1) { G##_add_mixed(acc, acc, &q); return; }                                  \
        G##_from_affine(&t, &q);                                                                 \
        for (int b = 62 - __builtin_clzll(k[0]); b >= 0; b--) {                                  \
            G##_double(&t, &t);                                                                  \
            if (k[0] >> b & 1) G##_add_mixed(&t, &t, &q);                                        \
        }                                                                                        \
    } else {                                                                                     \
        G##_mul(&t, &q, k, nlimbs);                                                              \
    }                                                                                            \
    G##_add(acc, acc, &t);                                                                       \
}                                                                                                \
struct G##_sparse_terms { const G##_aff *bases; const int64_t *ptr; const uint32_t *rows, *ids; const uint64_t *table; }; \
static void G##_sparse_sum(G##_jac *acc, size_t s, const void *ctx) {                           \
    const struct G##_sparse_terms *in = ctx;                                                     \
    G##_set_infinity(acc);                                                                       \
    for (int64_t t = in->ptr[s]; t < in->ptr[s + 1]; t++)                                        \
        G##_add_multiple(acc, &in->bases[in->rows[t]], in->table + 4 * (size_t)in->ids[t]);     \
}                                                                                                \
int PZ(G##_sparse_sums)(uint64_t *out, const uint64_t *bases, size_t nbases, const int64_t *ptr, size_t nsums,  \
                        const uint32_t *rows, const uint32_t *ids, const uint64_t *table, size_t ntable) { \
    if (ptr[0] < 0) return -1;                                                                   \
    for (size_t s = 0; s < nsums; s++) if (ptr[s + 1] < ptr[s]) return -1;                       \
    for (int64_t t = ptr[0]; t < ptr[nsums]; t++) if (rows[t] >= nbases || ids[t] >= ntable) return -1; \
    struct G##_sparse_terms in = {(const G##_aff *)bases, ptr, rows, ids, table};                \
    return G##_affine_outputs(out, nsums, (size_t)(ptr[nsums] - ptr[0]) + nsums, 8192, G##_sparse_sum, &in); \
}
SPARSE_SUMS_API(g1, 2)
SPARSE_SUMS_API(g2, 4)

/* Every point of n times one scalar k < r (dividing a key's C and H by a contribution's delta),
 * by the GLV method: k = +-k1 +- k2 lambda with |k1|, |k2| < 2^128 (the MSM's split, msm_impl.h),
 * so k P = k1 P + k2 phi(P), phi(x, y) = (beta x, y), takes half the doublings of a plain
 * multiplication, shared by both halves (their wNAF digits are computed once for all points).
 * bases and out Montgomery affine, k canonical. Returns 0 or PZ_OUT_OF_MEMORY (out void). */
struct g1_scaling { const g1_aff *bases; int8_t d1[2 * 64 + 1], d2[2 * 64 + 1]; int len, neg1, neg2; };

static void g1_scaled(g1_jac *acc, size_t i, const void *ctx) {
    const struct g1_scaling *in = ctx;
    g1_set_infinity(acc);
    if (g1_aff_is_infinity(&in->bases[i])) return;
    g1_aff q = in->bases[i];
    if (in->neg1) g1_aff_neg(&q, &q);
    g1_jac t1[8], t2[8];   /* odd multiples of k1's point and of k2's, phi of the first */
    g1_odd_multiples(t1, &q);
    for (int j = 0; j < 8; j++) {
        fp_mul(&t2[j].x, &t1[j].x, &MSM_BETA_G1);
        if (in->neg1 != in->neg2) fp_neg(&t2[j].y, &t1[j].y); else t2[j].y = t1[j].y;
        t2[j].z = t1[j].z;
    }
    for (int j = in->len - 1; j >= 0; j--) {
        g1_double(acc, acc);
        g1_add_digit(acc, t1, in->d1[j]);
        g1_add_digit(acc, t2, in->d2[j]);
    }
}

int PZ(g1_scale)(uint64_t *out, const uint64_t *bases, size_t n, const uint64_t *k) {
    uint64_t k1[4], k2[4];
    struct g1_scaling in = {(const g1_aff *)bases, {0}, {0}, 0, 0, 0};
    msm_glv_split(k1, &in.neg1, k2, &in.neg2, k);
    int l1 = wnaf5(in.d1, k1, 2), l2 = wnaf5(in.d2, k2, 2);
    in.len = l1 > l2 ? l1 : l2;
    return g1_affine_outputs(out, n, n, 256, g1_scaled, &in);
}

/* ---- Groth16 QAP from a .zkey (qap.h) ----
 * pz_qap_abc: canonical A and B evaluations (n each, overwritten) from the zkey coefficient
 * records and the canonical witness; returns -1 or the index of the first invalid record.
 * pz_qap_abc_add: the same records' terms added to A and B in Montgomery form (zeroed first,
 * converted with from_mont after the last records): the records can then come in parts, each
 * part's pages dropped once it is added, so that the whole section is never resident at once.
 * pz_qap_h: canonical A * B - C on the coset shift * <w> from canonical A and B (both
 * overwritten); shift canonical. Returns 0, -1 when log is out of range or the shift is 0, or
 * PZ_OUT_OF_MEMORY (h void). */
#include "qap.h"

int64_t PZ(qap_abc)(uint64_t *a, uint64_t *b, const uint8_t *records, size_t nrecords,
                   const uint64_t *witness, size_t nwitness, size_t n) {
    memset(a, 0, 32 * n); memset(b, 0, 32 * n);
    int64_t bad = qap_abc((fe *)a, (fe *)b, records, nrecords, witness, nwitness, n);
    if (bad < 0) { PZ(from_mont)(PZ_FR, a, a, n); PZ(from_mont)(PZ_FR, b, b, n); }
    return bad;
}

int64_t PZ(qap_abc_add)(uint64_t *a, uint64_t *b, const uint8_t *records, size_t nrecords,
                       const uint64_t *witness, size_t nwitness, size_t n) {
    return qap_abc((fe *)a, (fe *)b, records, nrecords, witness, nwitness, n);
}

int PZ(qap_h)(uint64_t *h, uint64_t *a, uint64_t *b, int log, const uint64_t *shift) {
    if (log < 0 || log > NTT_MAX_LOG) return -1;
    size_t n = (size_t)1 << log;
    fe g; load(&g, shift, 1, &FR);
    if (fe_is_zero(&g)) return -1;
    PZ(to_mont)(PZ_FR, a, a, n); PZ(to_mont)(PZ_FR, b, b, n);
    int status = qap_h((fe *)h, (fe *)a, (fe *)b, log, &g);
    if (!status) PZ(from_mont)(PZ_FR, h, h, n);
    return status;
}

/* ---- the witness solver (solve.h) ----
 * pz_r1cs_solve: runs the steps of cs from start on over the canonical witness (n_wires x 4
 * limbs, updated in place); returns the step of the first hint that must run in Python, or
 * cs->n_steps when all are done. pz_r1cs_check: the first of the constraints rows[0..n)
 * (ascending; NULL: constraints 0 to n - 1) the canonical witness violates (-1: none), and the
 * number of them violated in *n_bad. */
#include "solve.h"

int64_t PZ(r1cs_solve)(const struct pz_r1cs *cs, uint64_t *witness, size_t start) {
    return r1cs_solve(cs, (fe *)witness, start);
}

int64_t PZ(r1cs_check)(const struct pz_r1cs *cs, const uint64_t *witness, const int64_t *rows, size_t n,
                       int64_t *n_bad) {
    return r1cs_check(cs, (const fe *)witness, rows, n, n_bad);
}

/* ---- Poseidon (poseidon.h) ----
 * pz_poseidon: 0; -1 when t is outside 2..17 or full_rounds is odd or negative; k + 1 when
 * input k (counting elements, not rows) is not below r, and then no output is written. Rows
 * split over threads only in bulk: one hash takes microseconds. */
#include "poseidon.h"

int64_t PZ(poseidon)(uint64_t *out, const uint64_t *inputs, size_t n, int t, const uint64_t *ark,
                     const uint64_t *mds, int full_rounds, int partial_rounds) {
    if (t < 2 || t > POSEIDON_MAX_T || full_rounds < 0 || full_rounds % 2 || partial_rounds < 0) return -1;
    size_t k = (size_t)(t - 1);
    for (size_t i = 0; i < n * k; i++)
        if (!fe_is_canonical((const fe *)(inputs + 4 * i), &FR)) return (int64_t)i + 1;
    team tm = team_begin(n, 64);
    #pragma omp parallel num_threads(tm.threads)
    {
        int64_t cpu = team_thread_start(tm);
        #pragma omp for schedule(static) nowait
        for (size_t row = 0; row < n; row++) {
            fe in[POSEIDON_MAX_T], h;
            load(in, inputs + 4 * k * row, k, &FR);
            poseidon_hash(&h, in, t, (const fe *)ark, (const fe *)mds, full_rounds, partial_rounds);
            store(out + 4 * row, &h, 1, &FR);
        }
        team_thread_end(tm, cpu);
    }
    team_end(tm);
    return 0;
}
