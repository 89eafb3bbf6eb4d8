/* Pippenger multi-scalar multiplication, written once for both groups.
 *
 * Included by msm.h with MP (the group's function prefix, g1_ or g2_), MF (its coordinate field
 * type) and the coordinate operations MF_ADD, MF_SUB, MF_DBL, MF_MUL, MF_SQR, MF_INV, MF_IS_ZERO,
 * MF_EQUAL, MF_SET_ONE and MF_ENDO (x -> beta x, the GLV endomorphism's map) defined; the curve arithmetic comes from curve.h (prefix_jac, _aff,
 * _add, _add_mixed, _double, _to_affine, ...).
 *
 * Scalars are split into signed c-bit digits in [-2^(c-1) + 1, 2^(c-1)], so each window needs
 * 2^(c-1) buckets; a negative digit adds the negated base. Buckets are accumulated either in
 * Jacobian coordinates (mixed additions, 7M + 4S each) or, for large windows, in affine
 * coordinates by batches of independent additions that share one field inversion (Montgomery's
 * trick: about 6M per addition). A point whose bucket is already in the pending batch waits in
 * a short queue for the next batch (a Jacobian side bucket when the queue is full, so repeated
 * digits never stall the batches). Many affine buckets are then summed by affine batches too.
 *
 * Every function here that allocates returns 0 or PZ_OUT_OF_MEMORY (alloc.h), having freed what
 * it allocated; its result is then void.
 */

#ifndef MSM_BITLEN_DEFINED
#define MSM_BITLEN_DEFINED
/* What a flush does to a bucket with an addition pending (stored in a byte per addition). */
enum msm_pending { MSM_PENDING_ADD = 0, MSM_PENDING_EMPTIES = 1, MSM_PENDING_TAKES = 2 };

static inline int msm_bitlen(const uint64_t k[4]) {
    for (int i = 3; i >= 0; i--) if (k[i]) return 64 * i + 64 - __builtin_clzll(k[i]);
    return 0;
}

/* s mod r in place: at most five subtractions for s < 2^256. */
static inline void msm_mod_r(uint64_t s[4]) {
    static const uint64_t r[4] = FR_MODULUS;
    for (;;) {
        int ge = 1;
        for (int j = 3; j >= 0; j--) { if (s[j] != r[j]) { ge = s[j] > r[j]; break; } }
        if (!ge) return;
        uint64_t borrow = 0;
        for (int j = 0; j < 4; j++) borrow = sub_borrow(s[j], r[j], borrow, &s[j]);
    }
}

#define MSM_FR_BITS 254   /* scalars reduced modulo r are below 2^254 */

/* ---- GLV: k P = k1 P + k2 phi(P) with half-length k1, k2 ----
 * phi(x, y) = (beta x, y) is [lambda] on both groups (lambda a cube root of unity mod r, beta one
 * of p: gen_constants.py derives them and the basis below). Babai rounding on the short basis
 * (A1, B1), (A2, B2) of the lattice {(a, b): a + b lambda = 0 mod r} gives k1 = k - c1 A1 - c2 A2
 * and k2 = -c1 B1 - c2 B2 with c1 = round(B2 k / r), c2 = round(-B1 k / r), each rounding from a
 * precomputed 2^256-scaled quotient (off by at most one, which keeps |k1|, |k2| < 2^128). The
 * halves are signed: they are computed modulo 2^256, where they lie in (-2^255, 2^255). */
static inline void u256_mul_lo(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]) {
    uint64_t t[4] = {0, 0, 0, 0};
    for (int i = 0; i < 4; i++) {
        uint64_t hi = 0;
        for (int j = 0; i + j < 4; j++) hi = mul_add2(a[j], b[i], t[i + j], hi, &t[i + j]);
    }
    memcpy(r, t, sizeof t);
}

/* round(a g / 2^256) */
static inline void u256_mul_round_hi(uint64_t r[4], const uint64_t a[4], const uint64_t g[4]) {
    uint64_t t[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int i = 0; i < 4; i++) {
        uint64_t hi = 0;
        for (int j = 0; j < 4; j++) hi = mul_add2(a[j], g[i], t[i + j], hi, &t[i + j]);
        t[i + 4] = hi;
    }
    uint64_t carry = add_carry(t[3], 1ULL << 63, 0, &t[3]);
    for (int i = 4; i < 8; i++) carry = add_carry(t[i], 0, carry, &t[i]);
    memcpy(r, t + 4, 4 * sizeof *t);
}

static inline void u256_sub(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]) {
    uint64_t borrow = 0;
    for (int i = 0; i < 4; i++) borrow = sub_borrow(a[i], b[i], borrow, &r[i]);
}

/* |a| in place for a signed value modulo 2^256; returns whether a was negative */
static inline int u256_abs(uint64_t a[4]) {
    int neg = (int)(a[3] >> 63);
    if (neg) {
        uint64_t zero[4] = {0, 0, 0, 0};
        u256_sub(a, zero, a);
    }
    return neg;
}

/* k (< r) = (-1)^neg1 k1 + (-1)^neg2 k2 lambda mod r; k1, k2 as magnitudes below 2^128. */
static inline void msm_glv_split(uint64_t k1[4], int *neg1, uint64_t k2[4], int *neg2, const uint64_t k[4]) {
    static const uint64_t g1[4] = GLV_G1, g2[4] = GLV_G2, a1[4] = GLV_A1, a2[4] = GLV_A2;
    static const uint64_t minus_b1[4] = GLV_MINUS_B1, b2[4] = GLV_B2;
    uint64_t c1[4], c2[4], t[4];
    u256_mul_round_hi(c1, k, g1);
    u256_mul_round_hi(c2, k, g2);
    u256_mul_lo(t, c1, a1);
    u256_sub(k1, k, t);
    u256_mul_lo(t, c2, a2);
    u256_sub(k1, k1, t);
    u256_mul_lo(k2, c1, minus_b1);
    u256_mul_lo(t, c2, b2);
    u256_sub(k2, k2, t);
    *neg1 = u256_abs(k1);
    *neg2 = u256_abs(k2);
}
#endif

#define MCAT2(a, b) a##b
#define MCAT(a, b) MCAT2(a, b)
#define MFN(name) MCAT(MP, name)
#define MJAC MFN(jac)
#define MAFF MFN(aff)

/* Bucket sums -> sum over b of (b + 1) * bucket[b], by running sums from the top. */
static void MFN(msm_reduce_buckets)(MJAC *out, const MAFF *aff, const MJAC *jac, size_t nb) {
    MJAC running, total;
    MFN(set_infinity)(&running);
    MFN(set_infinity)(&total);
    for (size_t b = nb; b-- > 0;) {
        if (jac && !MFN(is_infinity)(&jac[b])) MFN(add)(&running, &running, &jac[b]);
        if (aff && !MFN(aff_is_infinity)(&aff[b])) MFN(add_mixed)(&running, &running, &aff[b]);
        MFN(add)(&total, &total, &running);
    }
    *out = total;
}

/* One window over n points (digits for this window), Jacobian buckets. */
static int MFN(msm_window_jac)(MJAC *out, const MAFF *bases, const int32_t *digits, size_t n, int c) {
    size_t nb = (size_t)1 << (c - 1);
    MJAC *jac = alloc_array(nb, sizeof *jac);
    if (!jac) return PZ_OUT_OF_MEMORY;
    for (size_t b = 0; b < nb; b++) MFN(set_infinity)(&jac[b]);
    for (size_t i = 0; i < n; i++) {
        int32_t d = digits[i];
        if (!d) continue;
        if (d > 0) MFN(add_mixed)(&jac[d - 1], &jac[d - 1], &bases[i]);
        else { MAFF q; MFN(aff_neg)(&q, &bases[i]); MFN(add_mixed)(&jac[-d - 1], &jac[-d - 1], &q); }
    }
    MFN(msm_reduce_buckets)(out, NULL, jac, nb);
    free(jac);
    return 0;
}

#define MSM_BATCH 1024

/* p[k] += q[k] in affine coordinates for k < count (1 or 2), given each slope's numerator and
 * the inverse of its denominator. Every step runs for both additions before the next one, so
 * that two independent products follow each other. */
static inline void MFN(msm_affine_add)(int count, MAFF *const p[2], const MAFF *const q[2],
                                       const MF *const num[2], const MF *const inv[2]) {
    MF lambda[2], x3[2], t[2];
    for (int k = 0; k < count; k++) MF_MUL(&lambda[k], num[k], inv[k]);
    for (int k = 0; k < count; k++) MF_SQR(&x3[k], &lambda[k]);
    for (int k = 0; k < count; k++) MF_SUB(&x3[k], &x3[k], &p[k]->x);
    for (int k = 0; k < count; k++) MF_SUB(&x3[k], &x3[k], &q[k]->x);
    for (int k = 0; k < count; k++) MF_SUB(&t[k], &p[k]->x, &x3[k]);
    for (int k = 0; k < count; k++) MF_MUL(&t[k], &t[k], &lambda[k]);
    for (int k = 0; k < count; k++) MF_SUB(&p[k]->y, &t[k], &p[k]->y);
    for (int k = 0; k < count; k++) p[k]->x = x3[k];
}

/* Pending affine additions into distinct buckets, applied together by msm_flush. */
typedef struct {
    MAFF *aff;           /* the buckets */
    uint32_t *stamp;     /* stamp[b] == batch: bucket b already has an addition pending */
    uint32_t batch;
    size_t cnt;
    size_t cap;          /* a window's batch flushes at this many additions (msm_batch_cap) */
    uint32_t bidx[MSM_BATCH];
    uint8_t pending[MSM_BATCH];   /* enum msm_pending */
    MAFF q[MSM_BATCH];
    MF num[MSM_BATCH], den[MSM_BATCH], prefix[MSM_BATCH];
} MFN(msm_batch);

/* Apply a batch of affine additions aff[bidx[j]] += q[j], every bidx distinct (an empty bucket
 * just takes q[j]); one inversion for the whole batch.
 *
 * A Montgomery product is latency-bound when each one waits for the previous: the prefix
 * products run as two interleaved chains (even and odd j) and the additions go two at a time,
 * so that consecutive products are independent and the core overlaps them. */
static void MFN(msm_flush)(MFN(msm_batch) *B) {
    MAFF *aff = B->aff;
    const uint32_t *bidx = B->bidx;
    const MAFF *q = B->q;
    MF *num = B->num, *den = B->den, *prefix = B->prefix;
    uint8_t *pending = B->pending;
    size_t cnt = B->cnt;
    if (!cnt) return;
    MF acc[2];
    MF_SET_ONE(&acc[0]);
    MF_SET_ONE(&acc[1]);
    for (size_t j = 0; j < cnt; j++) {
        const MAFF *p = &aff[bidx[j]];
        pending[j] = MSM_PENDING_ADD;
        if (MFN(aff_is_infinity)(p)) {           /* empty bucket: it just takes q */
            pending[j] = MSM_PENDING_TAKES;
            MF_SET_ONE(&den[j]);
        } else if (MF_EQUAL(&p->x, &q[j].x)) {
            if (MF_EQUAL(&p->y, &q[j].y)) {   /* doubling: lambda = 3x^2 / 2y (y != 0 on BN254) */
                MF t;
                MF_SQR(&t, &p->x);
                MF_DBL(&num[j], &t);
                MF_ADD(&num[j], &num[j], &t);
                MF_DBL(&den[j], &p->y);
            } else {                            /* p = -q: the bucket empties */
                pending[j] = MSM_PENDING_EMPTIES;
                MF_SET_ONE(&den[j]);
            }
        } else {
            MF_SUB(&den[j], &q[j].x, &p->x);
            MF_SUB(&num[j], &q[j].y, &p->y);
        }
        prefix[j] = acc[j & 1];
        MF_MUL(&acc[j & 1], &acc[j & 1], &den[j]);
    }
    /* 1/(a0 a1) once, then 1/a0 = a1/(a0 a1) and 1/a1 = a0/(a0 a1) */
    MF both, inv0;
    MF_MUL(&both, &acc[0], &acc[1]);
    MF_INV(&both, &both);
    MF_MUL(&inv0, &both, &acc[1]);
    MF_MUL(&acc[1], &both, &acc[0]);
    acc[0] = inv0;
    for (size_t j = cnt; j-- > 0;) {         /* den[j] <- 1/den[j] */
        MF inv;
        MF_MUL(&inv, &acc[j & 1], &prefix[j]);
        MF_MUL(&acc[j & 1], &acc[j & 1], &den[j]);
        den[j] = inv;
    }
    MAFF *p[2];
    const MAFF *addend[2];
    const MF *slope_num[2], *slope_inv[2];
    int paired = 0;
    for (size_t j = 0; j < cnt; j++) {
        MAFF *bucket = &aff[bidx[j]];
        if (pending[j] == MSM_PENDING_TAKES) { *bucket = q[j]; continue; }
        if (pending[j] == MSM_PENDING_EMPTIES) { memset(bucket, 0, sizeof *bucket); continue; }
        p[paired] = bucket; addend[paired] = &q[j]; slope_num[paired] = &num[j]; slope_inv[paired] = &den[j];
        if (++paired == 2) { MFN(msm_affine_add)(2, p, addend, slope_num, slope_inv); paired = 0; }
    }
    if (paired) MFN(msm_affine_add)(1, p, addend, slope_num, slope_inv);
}

static inline void MFN(msm_batch_push)(MFN(msm_batch) *B, uint32_t b, const MAFF *base, int negate) {
    /* the bucket is read only when the batch is flushed: fetch it now, use it then */
    __builtin_prefetch(&B->aff[b], 1, 3);
    B->stamp[b] = B->batch;
    B->bidx[B->cnt] = b;
    if (negate) MFN(aff_neg)(&B->q[B->cnt], base); else B->q[B->cnt] = *base;
    B->cnt++;
}

static inline void MFN(msm_batch_flush)(MFN(msm_batch) *B) {
    MFN(msm_flush)(B);
    B->cnt = 0;
    B->batch++;
}

/* A point to a Jacobian side bucket (allocated on first use, all zero: Z = 0 is infinity). */
static int MFN(msm_side_add)(MJAC **jac, size_t nb, uint32_t b, const MAFF *base, int negate) {
    MAFF pt;
    if (negate) MFN(aff_neg)(&pt, base); else pt = *base;
    if (!*jac && !(*jac = calloc(nb, sizeof **jac))) return PZ_OUT_OF_MEMORY;
    MFN(add_mixed)(&(*jac)[b], &(*jac)[b], &pt);
    return 0;
}

/* Sum over b of (b + 1) * buckets[b], with the bucket additions in affine batches too.
 * The nb buckets are cut into K segments of L; segment s keeps a running sum R_s (top down)
 * and a total T_s = sum over t of (t + 1) B_{sL+t}, all K advancing together, so that every
 * step is a batch of K independent affine additions instead of a chain of dependent Jacobian
 * ones. Then the sum is sum_s T_s + L * sum_s s R_s, the last by the same running-sum trick
 * over the K segment sums. `B` is an idle batch, reused (its buckets and stamps are given back). */
#ifndef MSM_SEGMENTS_DEFINED
#define MSM_SEGMENTS_DEFINED
#define MSM_AFFINE_REDUCE_MIN 256
/* The segment count K for nb buckets (a power of two, nb >= MSM_AFFINE_REDUCE_MIN): the 2 nb
 * additions share one inversion (~100 multiplications) per batch of K, and the K segment sums
 * then cost about 27 multiplications each, so K near sqrt(2 nb 100 / 27) ~ sqrt(8 nb), at most
 * 128. Measured at 256 buckets (a GLV-split MSM of 1,024 points): 32 segments. */
static inline size_t msm_segments(size_t nb) {
    size_t k = 8;
    while (k < 128 && 4 * k * k <= 8 * nb) k *= 2;
    return k;
}
#endif
static int MFN(msm_reduce_affine)(MJAC *out, const MAFF *buckets, size_t nb, MFN(msm_batch) *B) {
    const size_t K = msm_segments(nb), L = nb / K;
    MAFF *sums = calloc(2 * K, sizeof *sums);
    uint32_t *sum_stamps = calloc(2 * K, sizeof *sum_stamps);
    if (!sums || !sum_stamps) { free(sums); free(sum_stamps); return PZ_OUT_OF_MEMORY; }
    MAFF *running = sums, *total = sums + K;
    MAFF *aff = B->aff;
    uint32_t *stamp = B->stamp;
    B->aff = sums;
    B->stamp = sum_stamps;
    B->batch = 1;
    for (size_t t = L; t-- > 0;) {
        for (size_t s = 0; s < K; s++)
            if (!MFN(aff_is_infinity)(&buckets[s * L + t])) MFN(msm_batch_push)(B, (uint32_t)s, &buckets[s * L + t], 0);
        MFN(msm_batch_flush)(B);
        for (size_t s = 0; s < K; s++)
            if (!MFN(aff_is_infinity)(&running[s])) MFN(msm_batch_push)(B, (uint32_t)(K + s), &running[s], 0);
        MFN(msm_batch_flush)(B);
    }
    MJAC weighted, run, sum;
    MFN(set_infinity)(&weighted);
    MFN(set_infinity)(&run);
    MFN(set_infinity)(&sum);
    for (size_t s = K; s-- > 1;) {
        MFN(add_mixed)(&run, &run, &running[s]);
        MFN(add)(&weighted, &weighted, &run);
    }
    for (size_t l = 1; l < L; l <<= 1) MFN(double)(&weighted, &weighted);
    for (size_t s = 0; s < K; s++) MFN(add_mixed)(&sum, &sum, &total[s]);
    MFN(add)(out, &sum, &weighted);
    free(sums);
    free(sum_stamps);
    B->aff = aff;
    B->stamp = stamp;
    return 0;
}

#define MSM_QUEUE 256

/* The batch size of a window of nb buckets. A batch holds distinct buckets only, so points
 * whose bucket is already pending wait in the queue: filling m of nb buckets meets about
 * m^2 / (2 nb) of them, at most 128 with m = min(nb / 4, MSM_BATCH), half the queue. A batch
 * that had to fill up to MSM_BATCH among fewer buckets would overflow the queue into Jacobian
 * side buckets, each costing a mixed addition and an inversion to fold back (measured: a
 * window of 512 buckets over 4,096 points then took 1.5x as long as Jacobian buckets). */
static inline size_t MFN(msm_batch_cap)(size_t nb) {
    return nb / 4 < MSM_BATCH ? (nb / 4 ? nb / 4 : 1) : MSM_BATCH;
}

/* One window, affine buckets filled by batched affine additions. A point whose bucket already
 * has an addition pending waits in a small queue for a later batch; only when the queue is full
 * (many equal digits) does it go to a Jacobian side bucket (a mixed addition, ~11M). */
static int MFN(msm_window_aff)(MJAC *out, const MAFF *bases, const int32_t *digits, size_t n, int c) {
    size_t nb = (size_t)1 << (c - 1);
    MFN(msm_batch) *B = malloc(sizeof *B);
    MAFF *buckets = calloc(nb, sizeof *buckets);
    uint32_t *stamp = calloc(nb, sizeof *stamp);
    if (!B || !buckets || !stamp) { free(B); free(buckets); free(stamp); return PZ_OUT_OF_MEMORY; }
    B->aff = buckets;
    B->stamp = stamp;
    B->batch = 1;
    B->cnt = 0;
    B->cap = MFN(msm_batch_cap)(nb);
    MJAC *jac = NULL;    /* side buckets, allocated on first use (all zero: Z = 0 is infinity) */
    int status = 0;
    uint32_t queue[MSM_QUEUE];
    size_t queued = 0;
#define MSM_BUCKET(i) ((uint32_t)(digits[i] > 0 ? digits[i] : -digits[i]) - 1)
#define MSM_FLUSH_AND_DRAIN()                                                             \
    do {                                                                                  \
        MFN(msm_batch_flush)(B);                                                          \
        size_t keep = 0;                                                                  \
        for (size_t k = 0; k < queued; k++) {                                             \
            uint32_t i = queue[k], b = MSM_BUCKET(i);                                     \
            if (B->stamp[b] == B->batch || B->cnt == B->cap) queue[keep++] = i;        \
            else MFN(msm_batch_push)(B, b, &bases[i], digits[i] < 0);                     \
        }                                                                                 \
        queued = keep;                                                                    \
    } while (0)
    for (size_t i = 0; i < n; i++) {
        int32_t d = digits[i];
        if (!d) continue;
        uint32_t b = MSM_BUCKET(i);
        if (B->stamp[b] != B->batch) {
            MFN(msm_batch_push)(B, b, &bases[i], d < 0);
            if (B->cnt == B->cap) MSM_FLUSH_AND_DRAIN();
        } else if (queued < MSM_QUEUE) {
            queue[queued++] = (uint32_t)i;
        } else {
            status = MFN(msm_side_add)(&jac, nb, b, &bases[i], d < 0);
            if (status) goto done;
        }
    }
    MSM_FLUSH_AND_DRAIN();
    MSM_FLUSH_AND_DRAIN();
    for (size_t k = 0; k < queued; k++) {   /* the rest share buckets: not worth more batches */
        status = MFN(msm_side_add)(&jac, nb, MSM_BUCKET(queue[k]), &bases[queue[k]], digits[queue[k]] < 0);
        if (status) goto done;
    }
#undef MSM_FLUSH_AND_DRAIN
#undef MSM_BUCKET
    MFN(msm_batch_flush)(B);
    if (jac) {   /* fold the side buckets into the affine ones: each bucket once, no conflicts */
        for (size_t b = 0; b < nb; b++) {
            if (MFN(is_infinity)(&jac[b])) continue;
            MAFF pt;
            MFN(to_affine)(&pt, &jac[b]);
            if (B->cnt == MSM_BATCH) MFN(msm_batch_flush)(B);
            MFN(msm_batch_push)(B, (uint32_t)b, &pt, 0);
        }
    }
    MFN(msm_batch_flush)(B);
    if (nb >= MSM_AFFINE_REDUCE_MIN) status = MFN(msm_reduce_affine)(out, buckets, nb, B);
    else MFN(msm_reduce_buckets)(out, buckets, NULL, nb);
done:
    free(jac); free(buckets); free(stamp); free(B);
    return status;
}

/* Signed c-bit digits of windows w0 .. w1 - 1 of each scalar (canonical, reduced modulo r here:
 * no reduced copy of the scalars is kept), window-major: digits[(w - w0) * n + i]. A point gets
 * all-zero digits when it is at infinity, or, given cls (msm's size classes), when its class
 * is not cl. carry (NULL when w0 = 0 and w1 is the last window) holds each scalar's carry out of
 * window w0 - 1 and is left holding the one out of w1 - 1, so that windows can be cut in groups
 * whose digits alone are held at a time. */
static void MFN(msm_digits)(int32_t *digits, const uint64_t (*k)[4], const MAFF *bases, const uint8_t *cls, int cl,
                            size_t n, int c, int w0, int w1, uint8_t *carries, team t) {
    const uint32_t mask = (c >= 32) ? 0xffffffffu : ((1u << c) - 1), half = 1u << (c - 1);
    #pragma omp parallel num_threads(t.threads)   /* msm_core's team */
    {
        int64_t cpu = team_thread_start(t);
        #pragma omp for schedule(static) nowait
        for (size_t i = 0; i < n; i++) {
            int skip = cls ? cls[i] != cl : MFN(aff_is_infinity)(&bases[i]);
            uint64_t s[4];
            memcpy(s, k[i], 32);
            msm_mod_r(s);
            uint32_t carry = carries && w0 ? carries[i] : 0;
            for (int w = w0; w < w1; w++) {
                int bit = w * c, limb = bit >> 6, off = bit & 63;
                uint64_t v = 0;
                if (limb < 4) {
                    v = s[limb] >> off;
                    if (off + c > 64 && limb + 1 < 4) v |= s[limb + 1] << (64 - off);
                }
                uint32_t val = ((uint32_t)v & mask) + carry;
                int32_t d;
                if (val > half) { d = (int32_t)val - (int32_t)(1u << c); carry = 1; }
                else { d = (int32_t)val; carry = 0; }
                digits[(size_t)(w - w0) * n + i] = skip ? 0 : d;
            }
            if (carries) carries[i] = (uint8_t)carry;
        }
        team_thread_end(t, cpu);
    }
}

/* The cost model, in field multiplications: per window, one bucket addition per point (about
 * 6.5 in affine batches plus a share of the batch's inversion, ~100; 11 as a mixed Jacobian
 * addition) and two additions per bucket to reduce (affine batches again for many buckets,
 * else 27 in Jacobian coordinates); windows run in parallel, so a window count that does not
 * divide among the threads pays for its last round in full. Buckets beyond 1 MiB make every
 * addition wait on memory: measured, that costs a window of 2^16 G1 buckets a third more per
 * point than one of 2^15. Returns the window c, and the bucket mode in *affine. */
static double MFN(msm_cost)(size_t n, int nbits, int c, int threads, int *affine) {
    int nwin = nbits / c + 1;
    size_t nb = (size_t)1 << (c - 1);
    double per_point = 11.0, per_bucket = 27.0;
    *affine = 0;
    if (n >= 2 * nb) {
        double batch = (double)MFN(msm_batch_cap)(nb);
        double aff = 6.5 + 100.0 / batch;
        if (aff < per_point) { per_point = aff; *affine = 1; }
    }
    if (nb * sizeof(MAFF) > ((size_t)1 << 20)) per_point += 2.5;
    if (*affine && nb >= MSM_AFFINE_REDUCE_MIN)
        per_bucket = 2 * (6.5 + 100.0 / (double)msm_segments(nb)) + 3.0 * (double)msm_segments(nb) * 14.0 / (double)nb;
    int chunks = 1;
    if (nwin < threads) chunks = (threads + nwin - 1) / nwin;
    double tasks = (double)nwin * chunks;
    double rounds = (double)((size_t)(tasks + threads - 1) / threads);
    return rounds * ((double)n / chunks * per_point + (double)nb * per_bucket) + (double)nbits * 9.0;
}

static int MFN(msm_choose)(size_t n, int nbits, int threads, int *affine) {
    int best = 1, best_aff = 0;
    double best_cost = 1e300;
    for (int c = 1; c <= 20; c++) {
        if (c > 1 && ((size_t)1 << (c - 2)) > 2 * n + 2) break;  /* far more buckets than points */
        int a;
        double cost = MFN(msm_cost)(n, nbits, c, threads, &a);
        if (cost < best_cost) { best_cost = cost; best = c; best_aff = a; }
    }
    *affine = best_aff;
    return best;
}

/* The digits of this many bytes at most are held at a time: the windows go in groups (each
 * group's digits made just before its buckets are filled), so that the MSM's scratch stays
 * bounded as n grows (at 2^22 points, all 17 windows' digits would take 272 MiB). */
#define MSM_DIGIT_BYTES ((size_t)32 << 20)

/* sum k_i * bases_i over the m points whose class (cls[i], see msm) is cl, or over all n when
 * cls is NULL (m = n), for scalars whose reductions modulo r are < 2^nbits, into *res
 * (Jacobian). window 0 = cost model; flags: the bucket modes of enum pz_msm_flag (api.h), else
 * the cost model's. The points of other classes get zero digits: they are skipped in place
 * rather than gathered into copies of the bases and scalars. */
static int MFN(msm_core)(MJAC *res, const MAFF *bases, const uint64_t (*k)[4], size_t n, const uint8_t *cls, int cl,
                         size_t m, int nbits, int window, int flags) {
    MFN(set_infinity)(res);
    if (!m) return 0;
    /* a few milliseconds of bucket additions a thread: measured, 1,024 points (a GLV-split MSM of
     * 512) cost 15% more CPU on two threads than on one, 2,048 the same */
    team t = team_begin(m, 1024);
    int threads = t.threads;
    int affine;
    int c = MFN(msm_choose)(m, nbits, threads, &affine);
    if (window > 0) { c = window; MFN(msm_cost)(m, nbits, c, threads, &affine); }
    if (flags & PZ_MSM_JACOBIAN) affine = 0;
    else if (flags & PZ_MSM_AFFINE) affine = c >= 2;
    int nwin = nbits / c + 1;
    int chunks = 1;
    if (nwin < threads && m >= 256) chunks = (threads + nwin - 1) / nwin;
    if ((size_t)chunks > m) chunks = 1;
    /* windows per group: a whole number of rounds of the threads, as many as the bound allows */
    int round = (threads + chunks - 1) / chunks;
    size_t fit = MSM_DIGIT_BYTES / (n * sizeof(int32_t) + 1);
    int group = fit >= (size_t)nwin ? nwin : fit < (size_t)round ? round : (int)(fit - fit % round);
    if (group > nwin) group = nwin;
    int32_t *digits = alloc_array((size_t)group * n, sizeof *digits);
    uint8_t *carries = group < nwin ? alloc_array(n, 1) : NULL;
    MJAC *part = alloc_array((size_t)nwin * chunks, sizeof *part);
    if (!digits || !part || (group < nwin && !carries)) {
        team_end(t);   /* or every later kernel would find a split one still running */
        free(digits); free(carries); free(part);
        return PZ_OUT_OF_MEMORY;
    }
    atomic_int failed = 0;   /* a task ran out of memory: the rest are skipped */
    for (int w0 = 0; w0 < nwin && !failed; w0 += group) {
        int w1 = w0 + group < nwin ? w0 + group : nwin;
        MFN(msm_digits)(digits, k, bases, cls, cl, n, c, w0, w1, carries, t);
        int tasks = (w1 - w0) * chunks;
        #pragma omp parallel num_threads(t.threads)
        {
            int64_t cpu = team_thread_start(t);
            #pragma omp for schedule(dynamic, 1) nowait
            for (int task = 0; task < tasks; task++) {
                if (atomic_load_explicit(&failed, memory_order_relaxed)) continue;
                int w = task / chunks, ch = task % chunks;
                size_t lo = n * (size_t)ch / chunks, hi = n * (size_t)(ch + 1) / chunks;
                const int32_t *dg = digits + (size_t)w * n + lo;
                MJAC *out = &part[(w0 + w) * chunks + ch];
                int status = affine ? MFN(msm_window_aff)(out, bases + lo, dg, hi - lo, c)
                                    : MFN(msm_window_jac)(out, bases + lo, dg, hi - lo, c);
                if (status) atomic_store_explicit(&failed, 1, memory_order_relaxed);
            }
            team_thread_end(t, cpu);
        }
    }
    team_end(t);
    free(digits); free(carries);
    if (failed) {
        free(part);
        return PZ_OUT_OF_MEMORY;
    }
    MJAC acc;
    MFN(set_infinity)(&acc);
    for (int w = nwin; w-- > 0;) {
        if (!MFN(is_infinity)(&acc)) for (int i = 0; i < c; i++) MFN(double)(&acc, &acc);
        for (int ch = 0; ch < chunks; ch++) MFN(add)(&acc, &acc, &part[w * chunks + ch]);
    }
    *res = acc;
    free(part);
    return 0;
}


/* A GLV split costs two 256 x 128-bit products and four short ones (about 8 field
 * multiplications' worth) and the endomorphism's multiplications, per scalar. */
#define MSM_GLV_SPLIT_COST 10.0

/* Whether m full scalars of nbits bits cost less as 2m scalars of 128 bits, by msm_cost, on the
 * threads msm_core may take (one for a job of a batch: see team_max_threads). */
static int MFN(msm_glv_pays)(size_t m, int nbits) {
    if (nbits <= 128) return 0;
    int threads = team_max_threads(), affine;
    int c = MFN(msm_choose)(m, nbits, threads, &affine);
    double plain = MFN(msm_cost)(m, nbits, c, threads, &affine);
    c = MFN(msm_choose)(2 * m, 128, threads, &affine);
    return MFN(msm_cost)(2 * m, 128, c, threads, &affine) + (double)m * MSM_GLV_SPLIT_COST < plain;
}

/* The MSM of the m points of class cl (cls NULL: all n points) as one over the 2m points
 * (+-P, +-phi(P)) with the scalars' GLV halves, gathered into copies: the split pays only up to
 * about 2^14 points (msm_glv_pays), so the copies stay small. */
static int MFN(msm_glv)(MJAC *res, const MAFF *bases, const uint64_t *scalars, size_t n, const uint8_t *cls, int cl,
                        size_t m, int window, int flags) {
    MAFF *gb = alloc_array(2 * m, sizeof *gb);
    uint64_t (*gk)[4] = alloc_array(2 * m, sizeof *gk);
    if (!gb || !gk) { free(gb); free(gk); return PZ_OUT_OF_MEMORY; }
    int bits = 0;
    for (size_t i = 0, j = 0; i < n; i++) {
        if (cls && cls[i] != cl) continue;
        uint64_t s[4];
        memcpy(s, scalars + 4 * i, 32);
        msm_mod_r(s);
        int neg1, neg2;
        msm_glv_split(gk[j], &neg1, gk[m + j], &neg2, s);
        if (neg1) MFN(aff_neg)(&gb[j], &bases[i]); else gb[j] = bases[i];
        MAFF phi;
        MF_ENDO(&phi.x, &bases[i].x);
        phi.y = bases[i].y;
        if (neg2) MFN(aff_neg)(&gb[m + j], &phi); else gb[m + j] = phi;
        int b1 = msm_bitlen(gk[j]), b2 = msm_bitlen(gk[m + j]);
        if (b1 > bits) bits = b1;
        if (b2 > bits) bits = b2;
        j++;
    }
    int status = MFN(msm_core)(res, gb, (const uint64_t(*)[4])gk, 2 * m, NULL, cl, 2 * m, bits, window, flags);
    free(gb); free(gk);
    return status;
}

/* A size class of at most n / MSM_GATHER_SHARE points is copied out (its windows then scan m
 * points, not n); a larger one runs in place, so no copy exceeds a sixteenth of the bases. */
#define MSM_GATHER_SHARE 16

/* The full MSM: scalars (canonical, any value below 2^256) are reduced modulo r, since every
 * base is taken to be in the order-r subgroup; zero scalars and points at infinity are dropped,
 * and the rest are split by size (scalar 1, up to 64 bits, larger) so that small witness values
 * cost a few windows instead of all of them. A large size class runs over the bases and scalars
 * in place (msm_core), a small one over copies of its own points: the scratch is a byte per
 * point, the digits of a group of windows, the buckets, and at most a sixteenth of the bases
 * and scalars. flags: enum pz_msm_flag (api.h). */
static int MFN(msm)(MJAC *res, const MAFF *bases, const uint64_t *scalars, size_t n, int window, int flags) {
    MFN(set_infinity)(res);
    if (!n) return 0;
    uint8_t *cls = alloc_array(n, sizeof *cls);
    if (!cls) return PZ_OUT_OF_MEMORY;
    size_t count[4] = {0, 0, 0, 0};
    int bits2 = 0, bits3 = 0;
    team t = team_begin(n, 16384);
    #pragma omp parallel num_threads(t.threads) reduction(+: count[:4]) reduction(max: bits2, bits3)
    {
        int64_t cpu = team_thread_start(t);
        #pragma omp for schedule(static) nowait
        for (size_t i = 0; i < n; i++) {
            uint64_t s[4];
            memcpy(s, scalars + 4 * i, 32);
            msm_mod_r(s);
            int bits = msm_bitlen(s);
            if (!bits || MFN(aff_is_infinity)(&bases[i])) cls[i] = 0;
            else if (flags & PZ_MSM_NO_SPLIT) cls[i] = 3;
            else cls[i] = bits == 1 ? 1 : bits <= 64 ? 2 : 3;
            count[cls[i]]++;
            if (cls[i] == 2 && bits > bits2) bits2 = bits;
            if (cls[i] == 3 && bits > bits3) bits3 = bits;
        }
        team_thread_end(t, cpu);
    }
    team_end(t);
    const int maxbits[4] = {0, 1, bits2, bits3};
    int status = 0;
    for (int cl = 1; cl <= 3 && !status; cl++) {
        size_t m = count[cl];
        if (!m) continue;
        MJAC part;
        int win = cl == 3 ? window : 0;
        int glv = cl == 3 && (flags & PZ_MSM_GLV ? 1 : flags & PZ_MSM_NO_GLV ? 0 : MFN(msm_glv_pays)(m, maxbits[cl]));
        if (glv) {
            status = MFN(msm_glv)(&part, bases, scalars, n, m == n ? NULL : cls, cl, m, win, flags);
        } else if (m == n || m > n / MSM_GATHER_SHARE) {
            status = MFN(msm_core)(&part, bases, (const uint64_t(*)[4])scalars, n, m == n ? NULL : cls, cl, m,
                                   maxbits[cl], win, flags);
        } else {   /* a few points: copied together, so that their windows need not scan all n */
            MAFF *gb = alloc_array(m, sizeof *gb);
            uint64_t (*gk)[4] = alloc_array(m, sizeof *gk);
            status = gb && gk ? 0 : PZ_OUT_OF_MEMORY;
            for (size_t i = 0, j = 0; i < n && !status; i++)
                if (cls[i] == cl) { gb[j] = bases[i]; memcpy(gk[j], scalars + 4 * i, 32); j++; }
            if (!status) status = MFN(msm_core)(&part, gb, (const uint64_t(*)[4])gk, m, NULL, cl, m, maxbits[cl], win, flags);
            free(gb); free(gk);
        }
        if (!status) MFN(add)(res, res, &part);
    }
    free(cls);
    return status;
}

/* ---- Fixed bases: a resident prover's tables, kept per key ----
 * table[w * n + i] = 2^(c w) bases[i] for the nwin = MSM_FR_BITS / c + 1 windows of signed
 * c-bit digits. The MSM of scalars k over the bases is then a single window over the n * nwin
 * table points, point (w, i) taking digit w of k_i: no doublings between windows, and one bucket
 * reduction instead of nwin, so a larger window pays. The digits are window-major as msm_digits
 * lays them out, which is the table's order. */
static inline int MFN(msm_table_windows)(int c) { return MSM_FR_BITS / c + 1; }

/* The window for a table of n bases holding at most max_points points (0: no table fits),
 * by msm_cost's model of the one window over n * nwin points, run on one thread. */
static int MFN(msm_table_choose)(size_t n, size_t max_points) {
    int best = 0;
    double best_cost = 1e300;
    for (int c = 2; c <= 20; c++) {
        size_t points = n * (size_t)MFN(msm_table_windows)(c);
        if (points > max_points) continue;
        int affine;
        double cost = MFN(msm_cost)(points, c - 1, c, 1, &affine);
        if (cost < best_cost) { best_cost = cost; best = c; }
    }
    return best;
}

/* Fill table (n * nwin points, window-major) from the bases: each row is the row before
 * doubled c times, brought back to affine with one inversion per chunk of points. */
static int MFN(msm_table)(MAFF *table, const MAFF *bases, size_t n, int c) {
    int nwin = MFN(msm_table_windows)(c);
    if (!n) return 0;
    memcpy(table, bases, n * sizeof *table);
    team t = team_begin(n, 1024);
    size_t chunks = (size_t)t.threads * 4 < n ? (size_t)t.threads * 4 : 1;
    atomic_int failed = 0;
    #pragma omp parallel num_threads(t.threads)
    {
        int64_t cpu = team_thread_start(t);
        #pragma omp for schedule(dynamic, 1) nowait
        for (size_t ch = 0; ch < chunks; ch++) {
            size_t lo = n * ch / chunks, hi = n * (ch + 1) / chunks, m = hi - lo;
            MJAC *jac = alloc_array(m, sizeof *jac);
            MF *scratch = alloc_array(m, sizeof *scratch);
            if (!jac || !scratch) { atomic_store_explicit(&failed, 1, memory_order_relaxed); free(jac); free(scratch); continue; }
            for (int w = 1; w < nwin; w++) {
                const MAFF *prev = table + (size_t)(w - 1) * n + lo;
                for (size_t i = 0; i < m; i++) {
                    MFN(from_affine)(&jac[i], &prev[i]);
                    for (int b = 0; b < c; b++) MFN(double)(&jac[i], &jac[i]);
                }
                MFN(batch_to_affine)(table + (size_t)w * n + lo, jac, scratch, m);
            }
            free(jac); free(scratch);
        }
        team_thread_end(t, cpu);
    }
    team_end(t);
    return failed ? PZ_OUT_OF_MEMORY : 0;
}

/* sum k_i * bases_i from the bases' table of window c (msm_table); scalars as msm takes them
 * (canonical, below 2^256, reduced modulo r), zero digits and points at infinity skipped. */
static int MFN(msm_fixed)(MJAC *res, const MAFF *table, const uint64_t *scalars, size_t n, int c) {
    MFN(set_infinity)(res);
    if (!n) return 0;
    int nwin = MFN(msm_table_windows)(c);
    size_t points = n * (size_t)nwin;
    uint64_t (*k)[4] = alloc_array(n, sizeof *k);
    int32_t *digits = alloc_array(points, sizeof *digits);
    team t = team_begin(points, 4096);
    int chunks = t.threads;
    MJAC *part = alloc_array((size_t)chunks, sizeof *part);
    if (!k || !digits || !part) { team_end(t); free(k); free(digits); free(part); return PZ_OUT_OF_MEMORY; }
    for (size_t i = 0; i < n; i++) { memcpy(k[i], scalars + 4 * i, 32); msm_mod_r(k[i]); }
    MFN(msm_digits)(digits, (const uint64_t(*)[4])k, table, NULL, 0, n, c, 0, nwin, NULL, t);
    int affine;
    MFN(msm_cost)(points / (size_t)chunks, c - 1, c, 1, &affine);
    atomic_int failed = 0;
    #pragma omp parallel num_threads(t.threads)
    {
        int64_t cpu = team_thread_start(t);
        #pragma omp for schedule(static) nowait
        for (int ch = 0; ch < chunks; ch++) {
            size_t lo = points * (size_t)ch / chunks, hi = points * (size_t)(ch + 1) / chunks;
            int status = affine ? MFN(msm_window_aff)(&part[ch], table + lo, digits + lo, hi - lo, c)
                                : MFN(msm_window_jac)(&part[ch], table + lo, digits + lo, hi - lo, c);
            if (status) atomic_store_explicit(&failed, 1, memory_order_relaxed);
        }
        team_thread_end(t, cpu);
    }
    team_end(t);
    if (!failed) for (int ch = 0; ch < chunks; ch++) MFN(add)(res, res, &part[ch]);
    free(k); free(digits); free(part);
    return failed ? PZ_OUT_OF_MEMORY : 0;
}

#undef MCAT2
#undef MCAT
#undef MFN
#undef MJAC
#undef MAFF
/* the parameters, so that the next instantiation can define them afresh */
#undef MP
#undef MF
#undef MF_ADD
#undef MF_SUB
#undef MF_DBL
#undef MF_MUL
#undef MF_SQR
#undef MF_INV
#undef MF_EQUAL
#undef MF_SET_ONE
#undef MF_ENDO
