/* Multi-scalar multiplication on G1 and G2 (Pippenger; see msm_impl.h for the algorithm).
 *
 * Bases are affine points in Montgomery form, infinity as (0, 0): the "prepared" layout that
 * the Python side builds once (pz_to_mont over the coordinates) and passes to every MSM.
 */
#pragma once
#include <stdatomic.h>
#include <stdlib.h>
#include "alloc.h"
#include "curve.h"
#include "threads.h"
#ifdef _OPENMP
#include <omp.h>
#endif

#define MP g1_
#define MF fe
#define MF_ADD(r, a, b) fp_add(r, a, b)
#define MF_SUB(r, a, b) fp_sub(r, a, b)
#define MF_DBL(r, a) fp_dbl(r, a)
#define MF_MUL(r, a, b) fp_mul(r, a, b)
#define MF_SQR(r, a) fp_sqr(r, a)
#define MF_INV(r, a) fp_inv(r, a)
#define MF_EQUAL(a, b) fe_equal(a, b)
#define MF_SET_ONE(r) (*(r) = FP.one)
static const fe MSM_BETA_G1 = {GLV_BETA_G1};
#define MF_ENDO(r, a) fp_mul(r, a, &MSM_BETA_G1)
#include "msm_impl.h"

#define MP g2_
#define MF fp2
#define MF_ADD(r, a, b) fp2_add(r, a, b)
#define MF_SUB(r, a, b) fp2_sub(r, a, b)
#define MF_DBL(r, a) fp2_dbl(r, a)
#define MF_MUL(r, a, b) fp2_mul(r, a, b)
#define MF_SQR(r, a) fp2_sqr(r, a)
#define MF_INV(r, a) fp2_inv(r, a)
#define MF_EQUAL(a, b) fp2_equal(a, b)
#define MF_SET_ONE(r) fp2_one(r)
static const fe MSM_BETA_G2 = {GLV_BETA_G2};
#define MF_ENDO(r, a) (fp_mul(&(r)->c0, &(a)->c0, &MSM_BETA_G2), fp_mul(&(r)->c1, &(a)->c1, &MSM_BETA_G2))
#include "msm_impl.h"
