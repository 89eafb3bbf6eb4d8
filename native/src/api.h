/* The C core's interface: its constants and every exported function, declared once.
 *
 * The C sources include this file, and native/build.py hands the same text to cffi as its
 * declarations, so the two cannot drift apart. cffi parses declarations, not the preprocessor:
 * build.py drops every line starting with '#', gives cffi the shared part once and the per-path
 * part once per arithmetic path with PZ(name) spelled out (pz_adx_name, ...). Constants are
 * therefore enums (cffi reads their values, and checks them against the compiler's), never
 * #define.
 *
 * Everything crosses this boundary as little-endian 64-bit limbs in canonical form (not
 * Montgomery) unless a name says otherwise: 4 limbs per field element, G1 affine as (x, y),
 * G2 affine as (x.c0, x.c1, y.c0, y.c1), the point at infinity as all zeros, Jacobian points as
 * (X, Y, Z), and Fp12 as its 12 Fp coefficients in tower order (c0.c0.c0, c0.c0.c1, c0.c1.c0, ...).
 * Bulk loops run on OpenMP threads.
 */
#ifndef PZ_API_H
#define PZ_API_H
#include <stddef.h>
#include <stdint.h>

/* A status that every kernel which allocates may return beside its own results (which are
 * never this value): an allocation failed, everything allocated was freed, and no output is
 * valid (native/src/alloc.h). */
enum pz_status { PZ_OUT_OF_MEMORY = -2 };

/* The field a field function works in ("which"). */
enum pz_field { PZ_FP = 0, PZ_FR = 1 };

/* The group, where one function serves both. */
enum pz_group { PZ_G1 = 1, PZ_G2 = 2 };

/* Checks on points read from outside, in the order they run. As a level ("upto"), the checks
 * up to and including it run; as a code, the check a point failed. */
enum pz_check { PZ_CHECK_CANONICAL = 1, PZ_CHECK_CURVE = 2, PZ_CHECK_SUBGROUP = 3 };

/* MSM "flags", any of them or'ed together (0: the cost model decides everything): no split of
 * the scalars by size; Jacobian buckets only; affine buckets whenever the window is >= 2; full
 * scalars never split by the GLV endomorphism, or always. */
enum pz_msm_flag { PZ_MSM_NO_SPLIT = 1, PZ_MSM_JACOBIAN = 2, PZ_MSM_AFFINE = 4, PZ_MSM_NO_GLV = 8, PZ_MSM_GLV = 16 };

/* How the witness solver runs a hint: its Python function, or one field operation in C
 * (native/src/solve.h; a zero divisor hands the hint back to its Python function). */
enum pz_hint_op { PZ_HINT_PYTHON = 0, PZ_HINT_INVERSE = 1, PZ_HINT_QUOTIENT = 2, PZ_HINT_INVERSE_OR_ZERO = 3 };

/* A compiled circuit's solve program (native/kernels.py, R1CSProgram): matrices A, B, C (0, 1,
 * 2) in CSR form (row pointers, wires, ids into coeffs), coeffs in Montgomery form, one_id the
 * id of the coefficient 1 (or -1). Step k solves wire step_wire[k] from constraint
 * step_source[k] >= 0, in whose C row it has a coefficient c with own_inv[step_own[k]] =
 * 2^512 / c mod r (the Montgomery form of 2^256 / c); step_source[k] = -(h + 1)
 * runs hint h: op hint_op[h], input linear combinations hint_lc[h] to hint_lc[h + 1], each
 * spanning hint_ptr[lc] to hint_ptr[lc + 1] of hint_wires and hint_coeffs (Montgomery), one
 * output wire hint_out[h]. */
struct pz_r1cs {
    const int64_t *indptr[3];
    const uint32_t *wires[3];
    const uint32_t *ids[3];
    const uint64_t *coeffs;
    int64_t one_id;
    size_t n_steps;
    const int64_t *step_source;
    const int64_t *step_wire;
    const int32_t *step_own;
    const uint64_t *own_inv;
    const uint8_t *hint_op;
    const int64_t *hint_lc;
    const int64_t *hint_ptr;
    const uint32_t *hint_wires;
    const uint64_t *hint_coeffs;
    const int64_t *hint_out;
};

/* One MSM of a batch (pz_msm_batch): the arguments of pz_g1_msm / pz_g2_msm (window and flags 0)
 * for group PZ_G1 or PZ_G2, and its status (0 or PZ_OUT_OF_MEMORY) once the batch returns. */
struct pz_msm_job {
    enum pz_group group;
    uint64_t *out;
    const uint64_t *bases;
    const uint64_t *scalars;
    size_t n;
    int status;
};

/* What the running CPU offers, the thread count, and the heap's policy, shared by every path (cpu.h). */
int pz_cpu_has_adx(void);
void pz_set_threads(int n);
int pz_num_threads(void);
void pz_malloc_release_above(size_t bytes);
#endif

/* One arithmetic path's functions, declared again for each path: the file compiling a path
 * (path_*.c) defines PZ_PATH, so that PZ(add) is pz_adx_add or pz_portable_add. */
#ifdef PZ_PATH
#define PZ_JOIN2(path, name) pz_##path##_##name
#define PZ_JOIN(path, name) PZ_JOIN2(path, name)
#define PZ(name) PZ_JOIN(PZ_PATH, name)

/* fields (api.c) */
void PZ(add)(enum pz_field which, uint64_t *r, const uint64_t *a, const uint64_t *b);
void PZ(sub)(enum pz_field which, uint64_t *r, const uint64_t *a, const uint64_t *b);
void PZ(mul)(enum pz_field which, uint64_t *r, const uint64_t *a, const uint64_t *b);
void PZ(neg)(enum pz_field which, uint64_t *r, const uint64_t *a);
void PZ(sqr)(enum pz_field which, uint64_t *r, const uint64_t *a);
int PZ(inv)(enum pz_field which, uint64_t *r, const uint64_t *a);
void PZ(pow)(enum pz_field which, uint64_t *r, const uint64_t *a, const uint64_t *e, int nlimbs);
int PZ(sqrt)(uint64_t *r, const uint64_t *a);
int64_t PZ(batch_inv)(enum pz_field which, uint64_t *out, const uint64_t *in, size_t n);
void PZ(mul_many)(enum pz_field which, uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n);
void PZ(to_mont)(enum pz_field which, uint64_t *out, const uint64_t *in, size_t n);
void PZ(from_mont)(enum pz_field which, uint64_t *out, const uint64_t *in, size_t n);

/* groups */
void PZ(g1_add)(uint64_t *r, const uint64_t *a, const uint64_t *b);
void PZ(g1_double)(uint64_t *r, const uint64_t *a);
void PZ(g1_neg)(uint64_t *r, const uint64_t *a);
void PZ(g1_mul)(uint64_t *r, const uint64_t *a, const uint64_t *k, int nlimbs);
int PZ(g1_on_curve)(const uint64_t *a);
int PZ(g1_in_subgroup)(const uint64_t *a);
int PZ(g1_batch_to_affine)(uint64_t *out, const uint64_t *in, size_t n);
int64_t PZ(g1_check)(const uint64_t *pts, size_t n, enum pz_check upto, int mont, int *code);

void PZ(g2_add)(uint64_t *r, const uint64_t *a, const uint64_t *b);
void PZ(g2_double)(uint64_t *r, const uint64_t *a);
void PZ(g2_neg)(uint64_t *r, const uint64_t *a);
void PZ(g2_mul)(uint64_t *r, const uint64_t *a, const uint64_t *k, int nlimbs);
int PZ(g2_on_curve)(const uint64_t *a);
int PZ(g2_in_subgroup)(const uint64_t *a);
int PZ(g2_batch_to_affine)(uint64_t *out, const uint64_t *in, size_t n);
int64_t PZ(g2_check)(const uint64_t *pts, size_t n, enum pz_check upto, int mont, int *code);

/* pairing */
int PZ(miller_loop)(uint64_t *out, const uint64_t *g1s, const uint64_t *g2s, size_t n);
int PZ(final_exp)(uint64_t *out, const uint64_t *in);
int PZ(pairing)(uint64_t *out, const uint64_t *g1s, const uint64_t *g2s, size_t n);
int PZ(pairing_check)(const uint64_t *g1s, const uint64_t *g2s, size_t n);
void PZ(fp12_mul)(uint64_t *out, const uint64_t *a, const uint64_t *b);
void PZ(fp12_sqr)(uint64_t *out, const uint64_t *a);
int PZ(fp12_inv)(uint64_t *out, const uint64_t *a);
void PZ(fp12_pow)(uint64_t *out, const uint64_t *a, const uint64_t *e, int nlimbs);
void PZ(fp12_frobenius)(uint64_t *out, const uint64_t *a, int k);
void PZ(fp12_cyclotomic_sqr)(uint64_t *out, const uint64_t *a);

/* MSM, NTT, key generation and the Groth16 QAP */
int PZ(g1_msm)(uint64_t *out, const uint64_t *bases, const uint64_t *scalars, size_t n, int window, int flags);
int PZ(g2_msm)(uint64_t *out, const uint64_t *bases, const uint64_t *scalars, size_t n, int window, int flags);
int PZ(msm_window)(enum pz_group group, size_t n, int nbits, int *affine);
/* independent MSMs at once, each on a thread of its own, costliest first (api.c); 0 or
 * PZ_OUT_OF_MEMORY if any job's status is */
int PZ(msm_batch)(struct pz_msm_job *jobs, size_t njobs);
/* the GLV split msm_impl.h makes of a scalar k < r: k = +-k1 +- k2 lambda mod r, halves[0..3] = k1
 * and halves[4..7] = k2 (magnitudes), negative[0..1] their signs */
void PZ(msm_glv_split)(uint64_t *halves, int *negative, const uint64_t *k);
int PZ(msm_table_window)(enum pz_group group, size_t n, size_t max_points);
int PZ(g1_msm_table)(uint64_t *table, const uint64_t *bases, size_t n, int c);
int PZ(g2_msm_table)(uint64_t *table, const uint64_t *bases, size_t n, int c);
int PZ(g1_msm_fixed)(uint64_t *out, const uint64_t *table, const uint64_t *scalars, size_t n, int c);
int PZ(g2_msm_fixed)(uint64_t *out, const uint64_t *table, const uint64_t *scalars, size_t n, int c);
int PZ(fr_ntt)(uint64_t *data, int log, int inverse, const uint64_t *shift, int mont);
int PZ(g1_progression)(uint64_t *out, const uint64_t *gen, const uint64_t *a, const uint64_t *d, size_t n);
int PZ(g2_progression)(uint64_t *out, const uint64_t *gen, const uint64_t *a, const uint64_t *d, size_t n);
int PZ(g1_fixed_base)(uint64_t *out, const uint64_t *gen, const uint64_t *scalars, size_t n);
int PZ(g2_fixed_base)(uint64_t *out, const uint64_t *gen, const uint64_t *scalars, size_t n);
int PZ(g1_sparse_sums)(uint64_t *out, const uint64_t *bases, size_t nbases, const int64_t *ptr, size_t nsums,
                       const uint32_t *rows, const uint32_t *ids, const uint64_t *table, size_t ntable);
int PZ(g1_scale)(uint64_t *out, const uint64_t *bases, size_t n, const uint64_t *k);
int PZ(g2_sparse_sums)(uint64_t *out, const uint64_t *bases, size_t nbases, const int64_t *ptr, size_t nsums,
                       const uint32_t *rows, const uint32_t *ids, const uint64_t *table, size_t ntable);
int64_t PZ(qap_abc)(uint64_t *a, uint64_t *b, const uint8_t *records, size_t nrecords, const uint64_t *witness,
                    size_t nwitness, size_t n);
int64_t PZ(qap_abc_add)(uint64_t *a, uint64_t *b, const uint8_t *records, size_t nrecords, const uint64_t *witness,
                        size_t nwitness, size_t n);
int PZ(qap_h)(uint64_t *h, uint64_t *a, uint64_t *b, int log, const uint64_t *shift);

/* the witness solver (solve.h): witness canonical, n_wires x 4 limbs */
int64_t PZ(r1cs_solve)(const struct pz_r1cs *cs, uint64_t *witness, size_t start);
int64_t PZ(r1cs_check)(const struct pz_r1cs *cs, const uint64_t *witness, const int64_t *rows, size_t n,
                       int64_t *n_bad);

/* Poseidon (poseidon.h) of n rows of t - 1 canonical inputs each, canonical out (n x 4 limbs),
 * with the round constants ark ((full_rounds + partial_rounds) t elements) and the t x t MDS
 * matrix (row-major), both in Montgomery form */
int64_t PZ(poseidon)(uint64_t *out, const uint64_t *inputs, size_t n, int t, const uint64_t *ark,
                     const uint64_t *mds, int full_rounds, int partial_rounds);
#endif
