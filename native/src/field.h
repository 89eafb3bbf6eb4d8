/* Prime fields of BN254 in 4x64-bit Montgomery form: Fp (coordinates) and Fr (scalars).
 *
 * One set of inline routines serves both fields: each takes the field's parameters, which are
 * compile-time constants, so the compiler specialises every call site. Elements are always kept
 * fully reduced (< modulus). Both moduli are below 2^254, which lets the multiplication skip the
 * extra carry word of textbook CIOS (the top limb can never overflow).
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "constants.h"
#include "inverse.h"

typedef unsigned __int128 u128;

typedef struct { uint64_t v[4]; } fe;

typedef struct {
    fe modulus;
    uint64_t inv;      /* -modulus^-1 mod 2^64 */
    fe one;            /* 2^256 mod modulus: 1 in Montgomery form */
    fe r2;             /* 2^512 mod modulus: converts into Montgomery form */
} field;

/* The assembly reaches inv at 32(modulus pointer): one register for both, so that register
 * allocation never depends on the target flags or on where a routine is inlined. */
_Static_assert(offsetof(field, inv) == 32, "field.inv must follow the four modulus limbs");

static const field FP = {{FP_MODULUS}, FP_INV, {FP_ONE}, {FP_R2}};
static const field FR = {{FR_MODULUS}, FR_INV, {FR_ONE}, {FR_R2}};

static inline int fe_is_zero(const fe *a) {
    return (a->v[0] | a->v[1] | a->v[2] | a->v[3]) == 0;
}

static inline int fe_equal(const fe *a, const fe *b) {
    return ((a->v[0] ^ b->v[0]) | (a->v[1] ^ b->v[1]) | (a->v[2] ^ b->v[2]) | (a->v[3] ^ b->v[3])) == 0;
}

/* PZ_ASM selects the x86-64 assembly path (MULX/ADCX/ADOX, chosen at load time from CPUID, see
 * native/src/cpu.h); without it every routine below is plain C, the path of every other
 * machine. The assembly needs no target flags: the assembler knows these instructions whatever
 * -march says, and the loader runs this path only on CPUs that have them. */
#ifndef PZ_ASM
#define PZ_ASM 0
#endif
#if PZ_ASM && !defined(__x86_64__)
#error "the assembly path exists for x86-64 only"
#endif

/* Branch-free helpers: the reductions below depend on the data, and a mispredicted branch per
 * field operation costs more than the operation itself. */
#if defined(__x86_64__)
#include <x86intrin.h>
static inline uint64_t add_carry(uint64_t a, uint64_t b, uint64_t carry, uint64_t *out) {
    unsigned long long o;
    uint64_t c = _addcarry_u64((unsigned char)carry, a, b, &o);
    *out = o;
    return c;
}
static inline uint64_t sub_borrow(uint64_t a, uint64_t b, uint64_t borrow, uint64_t *out) {
    unsigned long long o;
    uint64_t c = _subborrow_u64((unsigned char)borrow, a, b, &o);
    *out = o;
    return c;
}
#else
static inline uint64_t add_carry(uint64_t a, uint64_t b, uint64_t carry, uint64_t *out) {
    u128 t = (u128)a + b + carry;
    *out = (uint64_t)t;
    return (uint64_t)(t >> 64);
}
static inline uint64_t sub_borrow(uint64_t a, uint64_t b, uint64_t borrow, uint64_t *out) {
    u128 t = (u128)a - b - borrow;
    *out = (uint64_t)t;
    return (uint64_t)(t >> 64) & 1;
}
#endif

/* hi:lo = a*b + c + d never overflows 128 bits */
static inline uint64_t mul_add2(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t *lo) {
    u128 t = (u128)a * b + c + d;  /* 128-bit sums compile to add/adc pairs, not carry flags */
    *lo = (uint64_t)t;
    return (uint64_t)(t >> 64);
}

/* r = s - m if s >= m, else s (for s < 2m), where s has an extra top word `hi`. */
static inline __attribute__((always_inline)) void fe_reduce_once(fe *r, const uint64_t s[4], uint64_t hi, const field *F) {
    uint64_t t[4], borrow = 0;
    for (int i = 0; i < 4; i++) borrow = sub_borrow(s[i], F->modulus.v[i], borrow, &t[i]);
    borrow = sub_borrow(hi, 0, borrow, &hi);
    uint64_t keep = -borrow;  /* all ones when s < m */
    for (int i = 0; i < 4; i++) r->v[i] = (s[i] & keep) | (t[i] & ~keep);
}

#if PZ_ASM
/* (a + b) mod m: both below 2^255, so the sum needs no fifth word. */
static inline __attribute__((always_inline)) void fe_add(fe *r, const fe *a, const fe *b, const field *F) {
    __asm__(
        "movq 0(%[a]), %%r8\n\t"
        "movq 8(%[a]), %%r9\n\t"
        "movq 16(%[a]), %%r10\n\t"
        "movq 24(%[a]), %%r11\n\t"
        "addq 0(%[b]), %%r8\n\t"
        "adcq 8(%[b]), %%r9\n\t"
        "adcq 16(%[b]), %%r10\n\t"
        "adcq 24(%[b]), %%r11\n\t"
        "movq %%r8, %%r12\n\t"
        "movq %%r9, %%r13\n\t"
        "movq %%r10, %%r14\n\t"
        "movq %%r11, %%rax\n\t"
        "subq 0(%[m]), %%r12\n\t"
        "sbbq 8(%[m]), %%r13\n\t"
        "sbbq 16(%[m]), %%r14\n\t"
        "sbbq 24(%[m]), %%rax\n\t"
        "cmovcq %%r8, %%r12\n\t"
        "cmovcq %%r9, %%r13\n\t"
        "cmovcq %%r10, %%r14\n\t"
        "cmovcq %%r11, %%rax\n\t"
        "movq %%r12, 0(%[r])\n\t"
        "movq %%r13, 8(%[r])\n\t"
        "movq %%r14, 16(%[r])\n\t"
        "movq %%rax, 24(%[r])\n\t"
        :
        : [a] "r"(a->v), [b] "r"(b->v), [m] "r"(F), [r] "r"(r->v)
        : "rax", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "cc", "memory");
}

/* (a - b) mod m: add the modulus back, masked by the borrow. */
static inline __attribute__((always_inline)) void fe_sub(fe *r, const fe *a, const fe *b, const field *F) {
    __asm__(
        "movq 0(%[a]), %%r8\n\t"
        "movq 8(%[a]), %%r9\n\t"
        "movq 16(%[a]), %%r10\n\t"
        "movq 24(%[a]), %%r11\n\t"
        "subq 0(%[b]), %%r8\n\t"
        "sbbq 8(%[b]), %%r9\n\t"
        "sbbq 16(%[b]), %%r10\n\t"
        "sbbq 24(%[b]), %%r11\n\t"
        "sbbq %%rax, %%rax\n\t"
        "movq 0(%[m]), %%r12\n\t"
        "movq 8(%[m]), %%r13\n\t"
        "movq 16(%[m]), %%r14\n\t"
        "movq 24(%[m]), %%rdx\n\t"
        "andq %%rax, %%r12\n\t"
        "andq %%rax, %%r13\n\t"
        "andq %%rax, %%r14\n\t"
        "andq %%rax, %%rdx\n\t"
        "addq %%r12, %%r8\n\t"
        "adcq %%r13, %%r9\n\t"
        "adcq %%r14, %%r10\n\t"
        "adcq %%rdx, %%r11\n\t"
        "movq %%r8, 0(%[r])\n\t"
        "movq %%r9, 8(%[r])\n\t"
        "movq %%r10, 16(%[r])\n\t"
        "movq %%r11, 24(%[r])\n\t"
        :
        : [a] "r"(a->v), [b] "r"(b->v), [m] "r"(F), [r] "r"(r->v)
        : "rax", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "cc", "memory");
}
#else
static inline __attribute__((always_inline)) void fe_add(fe *r, const fe *a, const fe *b, const field *F) {
    uint64_t s[4], carry = 0;
    for (int i = 0; i < 4; i++) carry = add_carry(a->v[i], b->v[i], carry, &s[i]);
    fe_reduce_once(r, s, carry, F);
}

static inline __attribute__((always_inline)) void fe_sub(fe *r, const fe *a, const fe *b, const field *F) {
    uint64_t t[4], borrow = 0, carry = 0;
    for (int i = 0; i < 4; i++) borrow = sub_borrow(a->v[i], b->v[i], borrow, &t[i]);
    uint64_t mask = -borrow;  /* add the modulus back only when a < b */
    for (int i = 0; i < 4; i++) carry = add_carry(t[i], F->modulus.v[i] & mask, carry, &r->v[i]);
}
#endif

static inline void fe_double(fe *r, const fe *a, const field *F) { fe_add(r, a, a, F); }

/* Sums left unreduced, for feeding Montgomery products: fe_mul and fe_mul_wide + fe_redc accept
 * factors below 2m (the product stays below 4m^2 < m 2^256, and the CIOS rounds below 2^320). */
static inline void fe_add_unreduced(fe *r, const fe *a, const fe *b) {
    uint64_t carry = 0;
    for (int i = 0; i < 4; i++) carry = add_carry(a->v[i], b->v[i], carry, &r->v[i]);
}

/* a - b + m, in (0, 2m) for a, b < m */
static inline void fe_sub_unreduced(fe *r, const fe *a, const fe *b, const field *F) {
    uint64_t t[4], carry = 0, borrow = 0;
    for (int i = 0; i < 4; i++) carry = add_carry(a->v[i], F->modulus.v[i], carry, &t[i]);
    for (int i = 0; i < 4; i++) borrow = sub_borrow(t[i], b->v[i], borrow, &r->v[i]);
}

/* a / 2: add m when a is odd (making it even), then shift; no multiplication by 1/2 needed. */
static inline void fe_half(fe *r, const fe *a, const field *F) {
    uint64_t mask = -(a->v[0] & 1), t[4], carry = 0;
    for (int i = 0; i < 4; i++) carry = add_carry(a->v[i], F->modulus.v[i] & mask, carry, &t[i]);
    for (int i = 0; i < 3; i++) r->v[i] = (t[i] >> 1) | (t[i + 1] << 63);
    r->v[3] = (t[3] >> 1) | (carry << 63);
}

static inline void fe_neg(fe *r, const fe *a, const field *F) {
    if (fe_is_zero(a)) { *r = *a; return; }
    fe zero = {{0, 0, 0, 0}};
    fe_sub(r, &zero, a, F);
    /* zero - a borrows, so fe_sub already added the modulus back */
}

#if PZ_ASM
#define FE_HAVE_WIDE 1
/* x86-64 assembly on two independent carry chains (ADOX/ADCX) around MULX.
 * MUL_ROW: (T0..T3) += a * b[I/8], the top word landing in T4. */
#define MUL_ROW(I, T0, T1, T2, T3, T4)                                   \
    "movq " #I "(%[b]), %%rdx\n\t"                                       \
    "xorq %%rax, %%rax\n\t"                                              \
    "mulxq 0(%[a]), %%r13, %%r14\n\t"                                    \
    "adoxq %%r13, %%" T0 "\n\t"                                          \
    "adcxq %%r14, %%" T1 "\n\t"                                          \
    "mulxq 8(%[a]), %%r13, %%r14\n\t"                                    \
    "adoxq %%r13, %%" T1 "\n\t"                                          \
    "adcxq %%r14, %%" T2 "\n\t"                                          \
    "mulxq 16(%[a]), %%r13, %%r14\n\t"                                   \
    "adoxq %%r13, %%" T2 "\n\t"                                          \
    "adcxq %%r14, %%" T3 "\n\t"                                          \
    "mulxq 24(%[a]), %%r13, %%" T4 "\n\t"                                \
    "adoxq %%r13, %%" T3 "\n\t"                                          \
    "movq $0, %%rax\n\t"                                                 \
    "adcxq %%rax, %%" T4 "\n\t"                                          \
    "adoxq %%rax, %%" T4 "\n\t"

/* RED_STEP: add m * modulus, m = T0 * inv, so that T0 becomes 0; the carry out of T3 is left
 * in CF and the one out of T4 in OF for the caller to place. */
#define RED_STEP(T0, T1, T2, T3, T4)                                     \
    "movq %%" T0 ", %%rdx\n\t"                                           \
    "imulq 32(%[m]), %%rdx\n\t"                                            \
    "xorq %%rax, %%rax\n\t"                                              \
    "mulxq 0(%[m]), %%r13, %%r14\n\t"                                    \
    "adcxq %%r13, %%" T0 "\n\t"                                          \
    "adoxq %%r14, %%" T1 "\n\t"                                          \
    "mulxq 8(%[m]), %%r13, %%r14\n\t"                                    \
    "adcxq %%r13, %%" T1 "\n\t"                                          \
    "adoxq %%r14, %%" T2 "\n\t"                                          \
    "mulxq 16(%[m]), %%r13, %%r14\n\t"                                   \
    "adcxq %%r13, %%" T2 "\n\t"                                          \
    "adoxq %%r14, %%" T3 "\n\t"                                          \
    "mulxq 24(%[m]), %%r13, %%r14\n\t"                                   \
    "adcxq %%r13, %%" T3 "\n\t"                                          \
    "adoxq %%r14, %%" T4 "\n\t"                                          \
    "movq $0, %%rax\n\t"                                                 \
    "adcxq %%rax, %%" T4 "\n\t"

/* One CIOS round; with both moduli below 2^254, T4 cannot overflow (OF stays clear). */
#define MONT_ROUND(I, T0, T1, T2, T3, T4) MUL_ROW(I, T0, T1, T2, T3, T4) RED_STEP(T0, T1, T2, T3, T4)

/* Result (< 2m) in W0..W3: subtract the modulus unless that borrows, store to r. */
#define SUB_MODULUS_STORE(W0, W1, W2, W3)                                \
    "movq %%" W0 ", %%r13\n\t"                                           \
    "movq %%" W1 ", %%r14\n\t"                                           \
    "movq %%" W2 ", %%rax\n\t"                                           \
    "movq %%" W3 ", %%rdx\n\t"                                           \
    "subq 0(%[m]), %%r13\n\t"                                            \
    "sbbq 8(%[m]), %%r14\n\t"                                            \
    "sbbq 16(%[m]), %%rax\n\t"                                           \
    "sbbq 24(%[m]), %%rdx\n\t"                                           \
    "cmovcq %%" W0 ", %%r13\n\t"                                         \
    "cmovcq %%" W1 ", %%r14\n\t"                                         \
    "cmovcq %%" W2 ", %%rax\n\t"                                         \
    "cmovcq %%" W3 ", %%rdx\n\t"                                         \
    "movq %%r13, 0(%[r])\n\t"                                            \
    "movq %%r14, 8(%[r])\n\t"                                            \
    "movq %%rax, 16(%[r])\n\t"                                           \
    "movq %%rdx, 24(%[r])\n\t"

#define ZERO_R8_R11 "xorq %%r8, %%r8\n\txorq %%r9, %%r9\n\txorq %%r10, %%r10\n\txorq %%r11, %%r11\n\t"

/* Montgomery product a*b/2^256 mod m. */
static inline __attribute__((always_inline)) void fe_mul(fe *r, const fe *a, const fe *b, const field *F) {
    __asm__(
        ZERO_R8_R11
        MONT_ROUND(0, "r8", "r9", "r10", "r11", "r12")
        MONT_ROUND(8, "r9", "r10", "r11", "r12", "r8")
        MONT_ROUND(16, "r10", "r11", "r12", "r8", "r9")
        MONT_ROUND(24, "r11", "r12", "r8", "r9", "r10")
        SUB_MODULUS_STORE("r12", "r8", "r9", "r10")
        :
        : [a] "r"(a->v), [b] "r"(b->v), [m] "r"(F), [r] "r"(r->v)
        : "rax", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "cc", "memory");
}

/* r = 9 x + y (SIGN "+") or 9 x - y, for x, y < p: the Fp2 multiplication by xi = 9 + u.
 * The 258-bit sum 9x + y (or 9x + p - y) is reduced with a table: q = floor(h 2^250 / p) for
 * its top bits h leaves less than 2p, and a CMOV subtraction ends it. Fp only. */
typedef struct {
    uint64_t modulus[4];                             /* first, so SUB_MODULUS_STORE reads it */
    uint64_t multiple[FP_SMALL_MULTIPLES_LEN][5];    /* q p, five words each */
    uint8_t quotient[256];                           /* q for the top bits h */
} nine_x_tables;
static const nine_x_tables FP_NINE_X = {FP_MODULUS, FP_SMALL_MULTIPLES, FP_SMALL_QUOTIENT};

#define NINE_X_THEN(ADD_Y)                                               \
    "movq 0(%[x]), %%r8\n\t"                                             \
    "movq 8(%[x]), %%r9\n\t"                                             \
    "movq 16(%[x]), %%r10\n\t"                                           \
    "movq 24(%[x]), %%r11\n\t"                                           \
    "movq %%r11, %%r12\n\t"                                              \
    "shrq $61, %%r12\n\t"                                                \
    "shldq $3, %%r10, %%r11\n\t"                                         \
    "shldq $3, %%r9, %%r10\n\t"                                          \
    "shldq $3, %%r8, %%r9\n\t"                                           \
    "shlq $3, %%r8\n\t"                                                  \
    "addq 0(%[x]), %%r8\n\t"                                             \
    "adcq 8(%[x]), %%r9\n\t"                                             \
    "adcq 16(%[x]), %%r10\n\t"                                           \
    "adcq 24(%[x]), %%r11\n\t"                                           \
    "adcq $0, %%r12\n\t"                                                 \
    ADD_Y                                                                \
    "movq %%r11, %%rax\n\t"                                              \
    "shrq $58, %%rax\n\t"                                                \
    "movq %%r12, %%rdx\n\t"                                              \
    "shlq $6, %%rdx\n\t"                                                 \
    "orq %%rdx, %%rax\n\t"                                               \
    "movzbl %c[quotient](%[m], %%rax), %%eax\n\t"                        \
    "leaq (%%rax, %%rax, 4), %%rax\n\t"                                  \
    "subq %c[multiple]+0(%[m], %%rax, 8), %%r8\n\t"                      \
    "sbbq %c[multiple]+8(%[m], %%rax, 8), %%r9\n\t"                      \
    "sbbq %c[multiple]+16(%[m], %%rax, 8), %%r10\n\t"                    \
    "sbbq %c[multiple]+24(%[m], %%rax, 8), %%r11\n\t"                    \
    SUB_MODULUS_STORE("r8", "r9", "r10", "r11")

#define ADD_Y_PLUS                                                       \
    "addq 0(%[y]), %%r8\n\t"                                             \
    "adcq 8(%[y]), %%r9\n\t"                                             \
    "adcq 16(%[y]), %%r10\n\t"                                           \
    "adcq 24(%[y]), %%r11\n\t"                                           \
    "adcq $0, %%r12\n\t"

#define ADD_Y_MINUS                                                      \
    "addq 0(%[m]), %%r8\n\t"                                             \
    "adcq 8(%[m]), %%r9\n\t"                                             \
    "adcq 16(%[m]), %%r10\n\t"                                           \
    "adcq 24(%[m]), %%r11\n\t"                                           \
    "adcq $0, %%r12\n\t"                                                 \
    "subq 0(%[y]), %%r8\n\t"                                             \
    "sbbq 8(%[y]), %%r9\n\t"                                             \
    "sbbq 16(%[y]), %%r10\n\t"                                           \
    "sbbq 24(%[y]), %%r11\n\t"                                           \
    "sbbq $0, %%r12\n\t"

#define NINE_X_OPERANDS                                                  \
    :                                                                    \
    : [x] "r"(x->v), [y] "r"(y->v), [r] "r"(r->v), [m] "r"(&FP_NINE_X),   \
      [quotient] "i"(offsetof(nine_x_tables, quotient)),                 \
      [multiple] "i"(offsetof(nine_x_tables, multiple))                  \
    : "rax", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "cc", "memory"

static inline void fp_nine_x_plus_y(fe *r, const fe *x, const fe *y) {
    __asm__(NINE_X_THEN(ADD_Y_PLUS) NINE_X_OPERANDS);
}

static inline void fp_nine_x_minus_y(fe *r, const fe *x, const fe *y) {
    __asm__(NINE_X_THEN(ADD_Y_MINUS) NINE_X_OPERANDS);
}
#define FP_HAVE_NINE_X 1

/* The full 512-bit product a*b, for lazy reduction: sums of products reduced once.
 * This and fe_redc are forced inline: gcc keeps such assembly bodies out of line, and every call
 * then saves and restores the registers they clobber (fp12 products ~5% slower). */
static inline __attribute__((always_inline)) void fe_mul_wide(uint64_t t[8], const fe *a, const fe *b) {
    __asm__(
        ZERO_R8_R11
        MUL_ROW(0, "r8", "r9", "r10", "r11", "r12")
        "movq %%r8, 0(%[t])\n\t"
        MUL_ROW(8, "r9", "r10", "r11", "r12", "r8")
        "movq %%r9, 8(%[t])\n\t"
        MUL_ROW(16, "r10", "r11", "r12", "r8", "r9")
        "movq %%r10, 16(%[t])\n\t"
        MUL_ROW(24, "r11", "r12", "r8", "r9", "r10")
        "movq %%r11, 24(%[t])\n\t"
        "movq %%r12, 32(%[t])\n\t"
        "movq %%r8, 40(%[t])\n\t"
        "movq %%r9, 48(%[t])\n\t"
        "movq %%r10, 56(%[t])\n\t"
        :
        : [a] "r"(a->v), [b] "r"(b->v), [t] "r"(t)
        : "rax", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "cc", "memory");
}

/* t 2^-256 mod m for t < m 2^256. The four reduction rounds run on the low half alone, as in
 * fe_mul (each round leaves its T0 zero, which becomes the next round's T4), so the running
 * value stays in registers: (t_lo + M m) / 2^256 < m + 1. The high half, below m, is added
 * once at the end: the sum is below 2m < 2^255, and one conditional subtraction ends it. */
static inline __attribute__((always_inline)) void fe_redc(fe *r, const uint64_t t[8], const field *F) {
    __asm__(
        "movq 0(%[t]), %%r8\n\t"
        "movq 8(%[t]), %%r9\n\t"
        "movq 16(%[t]), %%r10\n\t"
        "movq 24(%[t]), %%r11\n\t"
        "xorq %%r12, %%r12\n\t"
        RED_STEP("r8", "r9", "r10", "r11", "r12")
        RED_STEP("r9", "r10", "r11", "r12", "r8")
        RED_STEP("r10", "r11", "r12", "r8", "r9")
        RED_STEP("r11", "r12", "r8", "r9", "r10")
        "addq 32(%[t]), %%r12\n\t"
        "adcq 40(%[t]), %%r8\n\t"
        "adcq 48(%[t]), %%r9\n\t"
        "adcq 56(%[t]), %%r10\n\t"
        SUB_MODULUS_STORE("r12", "r8", "r9", "r10")
        :
        : [t] "r"(t), [m] "r"(F), [r] "r"(r->v)
        : "rax", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "cc", "memory");
}
#else
/* Portable forms of the assembly fe_mul_wide (the 512-bit product) and fe_redc
 * (t 2^-256 mod m for t < m 2^256, fully reduced). */
static inline __attribute__((always_inline)) void fe_mul_wide(uint64_t t[8], const fe *a, const fe *b) {
    memset(t, 0, 8 * sizeof *t);
    for (int i = 0; i < 4; i++) {
        uint64_t hi = 0;
        for (int j = 0; j < 4; j++) hi = mul_add2(a->v[j], b->v[i], t[i + j], hi, &t[i + j]);
        t[i + 4] = hi;
    }
}

static inline __attribute__((always_inline)) void fe_redc(fe *r, const uint64_t t[8], const field *F) {
    /* as the assembly: four rounds on the low half, each zeroing its bottom word, then the high
     * half added once */
    uint64_t t0 = t[0], t1 = t[1], t2 = t[2], t3 = t[3];
    for (int i = 0; i < 4; i++) {
        uint64_t m = t0 * F->inv, lo, carry;
        carry = mul_add2(m, F->modulus.v[0], t0, 0, &lo);
        carry = mul_add2(m, F->modulus.v[1], t1, carry, &t0);
        carry = mul_add2(m, F->modulus.v[2], t2, carry, &t1);
        carry = mul_add2(m, F->modulus.v[3], t3, carry, &t2);
        t3 = carry;
    }
    uint64_t s[4], carry = 0;
    carry = add_carry(t0, t[4], carry, &s[0]);
    carry = add_carry(t1, t[5], carry, &s[1]);
    carry = add_carry(t2, t[6], carry, &s[2]);
    carry = add_carry(t3, t[7], carry, &s[3]);
    fe_reduce_once(r, s, carry, F);
}

/* Montgomery product a*b/2^256 mod m (CIOS without the extra carry word), portable C. */
static inline __attribute__((always_inline)) void fe_mul(fe *r, const fe *a, const fe *b, const field *F) {
    uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t bi = b->v[i], hi, carry, m, lo;
        hi = mul_add2(a->v[0], bi, t0, 0, &t0);
        m = t0 * F->inv;
        carry = mul_add2(m, F->modulus.v[0], t0, 0, &lo);
        hi = mul_add2(a->v[1], bi, t1, hi, &t1);
        carry = mul_add2(m, F->modulus.v[1], t1, carry, &t0);
        hi = mul_add2(a->v[2], bi, t2, hi, &t2);
        carry = mul_add2(m, F->modulus.v[2], t2, carry, &t1);
        hi = mul_add2(a->v[3], bi, t3, hi, &t3);
        carry = mul_add2(m, F->modulus.v[3], t3, carry, &t2);
        t3 = carry + hi;
    }
    uint64_t t[4] = {t0, t1, t2, t3};
    fe_reduce_once(r, t, 0, F);
}
#endif

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

/* 1/a for a in Montgomery form (a R): the plain inverse of the integer a R is 1/(a R), and a
 * Montgomery product with R^3 (= R^2 R^2 / R) turns it into R / a. The inverse of 0 comes out
 * as 0; callers that care check first. */
static inline void fe_inv(fe *r, const fe *a, const field *F) {
    if (fe_is_zero(a)) { *r = *a; return; }
    fe t, r3;
    divsteps_inverse(t.v, a->v, F->modulus.v, -F->inv & M62);
    fe_mul(&r3, &F->r2, &F->r2, F);
    fe_mul(r, &t, &r3, F);
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
