#include "dipp_backend.h"
#include <immintrin.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Each kernel is written once as an always-inlined body (`NAME_body`) and compiled three times at
 * the bottom of this file — for AVX-512 (F, BW, DQ, VL), AVX2 + FMA and baseline x86-64 — into a
 * table per level; `dipp_select_kernels` (called by cpu.c's probe, after DIPP_MAX_ISA) picks the
 * table and the public `dipp_NAME` calls through it. The helpers the bodies call are
 * always-inlined too, so that every instruction is compiled for the variant's level. */
#define DIPP_BODY static inline __attribute__((always_inline))

/* e^x for x in [-87.3, 88.7]: x = n·ln2 + r, |r| ≤ ln2/2, e^r by a degree-6 polynomial
 * (Cephes expf coefficients), 2^n by building the exponent bits. Branch-free so the loops
 * below vectorise. */
DIPP_BODY float dipp_expf(float x) {
    x = x < -87.3f ? -87.3f : (x > 88.7f ? 88.7f : x);
    const float magic = 12582912.0f; /* 1.5·2^23: adding it rounds to an integer */
    float n = (x * 1.44269504088896341f + magic) - magic;
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

DIPP_BODY void sigmoid_body(const float *x, float *s, int64_t n) {
    for (int64_t i = 0; i < n; i++) s[i] = 1.0f / (1.0f + dipp_expf(-x[i]));
}

DIPP_BODY void silu_body(const float *x, float *y, float *s, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        float si = 1.0f / (1.0f + dipp_expf(-x[i]));
        s[i] = si;
        y[i] = x[i] * si;
    }
}

DIPP_BODY void silu_backward_body(const float *x, const float *s, const float *g, float *out, int64_t n) {
    for (int64_t i = 0; i < n; i++) out[i] = g[i] * s[i] * (1.0f + x[i] * (1.0f - s[i]));
}

/* Quick GELU (CLIP's): s = σ(1.702x) kept, y = x·s; backward out = g·(s + 1.702·x·s(1 − s)). */
DIPP_BODY void quick_gelu_body(const float *x, float *y, float *s, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        float si = 1.0f / (1.0f + dipp_expf(-1.702f * x[i]));
        s[i] = si;
        y[i] = x[i] * si;
    }
}

DIPP_BODY void quick_gelu_backward_body(const float *x, const float *s, const float *g, float *out, int64_t n) {
    for (int64_t i = 0; i < n; i++) out[i] = g[i] * (s[i] + 1.702f * x[i] * s[i] * (1.0f - s[i]));
}

/* erf(x) by Abramowitz & Stegun 7.1.26: 1 − (a1·t + … + a5·t⁵)·e^{−x²}, t = 1/(1 + p|x|), odd
 * extension; absolute error below 1.5e-7 (plus dipp_expf's 2e-7 relative). Branch-free. */
DIPP_BODY float dipp_erff(float x) {
    float a = x < 0 ? -x : x;
    float t = 1.0f / (1.0f + 0.3275911f * a);
    float p = 1.061405429f;
    p = p * t - 1.453152027f;
    p = p * t + 1.421413741f;
    p = p * t - 0.284496736f;
    p = p * t + 0.254829592f;
    float e = 1.0f - p * t * dipp_expf(-a * a);
    return x < 0 ? -e : e;
}

/* GELU with the error function: y = x·Φ(x), Φ(x) = ½(1 + erf(x/√2)). */
DIPP_BODY void gelu_body(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = 0.5f * x[i] * (1.0f + dipp_erff(x[i] * 0.70710678118654752f));
}

/* out = g·(Φ(x) + x·φ(x)), φ(x) = e^{−x²/2}/√(2π). */
DIPP_BODY void gelu_backward_body(const float *x, const float *g, float *out, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        float cdf = 0.5f * (1.0f + dipp_erff(x[i] * 0.70710678118654752f));
        out[i] = g[i] * (cdf + x[i] * 0.39894228040143268f * dipp_expf(-0.5f * x[i] * x[i]));
    }
}

/* The mean μ of n values and r = 1/√(v + ε) of their (biased) variance, accumulated in double
 * (two passes). */
DIPP_BODY void dipp_moments(const float *x, int64_t n, float epsilon, float *mean, float *rstd) {
    double sum = 0;
#pragma omp simd reduction(+ : sum)
    for (int64_t j = 0; j < n; j++) sum += x[j];
    double mu = sum / (double)n, squares = 0;
#pragma omp simd reduction(+ : squares)
    for (int64_t j = 0; j < n; j++) { double d = x[j] - mu; squares += d * d; }
    *mean = (float)mu;
    *rstd = (float)(1.0 / __builtin_sqrt(squares / (double)n + (double)epsilon));
}

/* Rows of length n normalised to zero mean and unit variance: y = (x − μ)/√(v + ε), with μ and
 * v = mean((x − μ)²) accumulated in double; inv_std[r] = 1/√(v + ε) kept for the backward pass. */
DIPP_BODY void normalize_rows_body(const float *x, float *y, float *inv_std, int64_t rows, int64_t n, float epsilon) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * n;
        float m, inv;
        dipp_moments(xr, n, epsilon, &m, &inv);
        inv_std[r] = inv;
        float *yr = y + r * n;
        for (int64_t j = 0; j < n; j++) yr[j] = (xr[j] - m) * inv;
    }
}

/* Its VJP: ∂x = (g − mean(g) − y·mean(g ⊙ y))·inv_std, per row. */
DIPP_BODY void normalize_rows_backward_body(const float *y, const float *g, const float *inv_std, float *out, int64_t rows, int64_t n) {
    for (int64_t r = 0; r < rows; r++) {
        const float *yr = y + r * n, *gr = g + r * n;
        double sg = 0, sgy = 0;
#pragma omp simd reduction(+ : sg, sgy)
        for (int64_t j = 0; j < n; j++) { sg += gr[j]; sgy += (double)gr[j] * yr[j]; }
        float mg = (float)(sg / (double)n), mgy = (float)(sgy / (double)n), inv = inv_std[r];
        float *o = out + r * n;
        for (int64_t j = 0; j < n; j++) o[j] = (gr[j] - mg - yr[j] * mgy) * inv;
    }
}

/* Group normalisation of [N, C, S] in groups of cg channels, fused with its per-channel affine
 * map and optionally SiLU, for the (sample, group) pairs t in [begin, end) (pair t = n·G + g is
 * the contiguous block of cg·S values at t·cg·S). Over the block: μ, r = 1/√(v + ε);
 * z = γ_c·(x − μ)·r + β_c, written as a·x + b with a = γ_c·r, b = β_c − μ·a; y = z·σ(z) or z. */
DIPP_BODY void group_norm_body(const float *x, const float *gamma, const float *beta, float *y, float *mean, float *rstd,
                                 int64_t begin, int64_t end, int64_t groups, int64_t cg, int64_t s, float epsilon, int silu) {
    const int64_t m = cg * s;
    for (int64_t t = begin; t < end; t++) {
        const float *xt = x + t * m;
        float mf, r;
        dipp_moments(xt, m, epsilon, &mf, &r);
        mean[t] = mf;
        rstd[t] = r;
        const int64_t c0 = (t % groups) * cg;
        for (int64_t k = 0; k < cg; k++) {
            const float a = gamma[c0 + k] * r, b = beta[c0 + k] - mf * a;
            const float *xc = xt + k * s;
            float *yc = y + t * m + k * s;
            if (silu) {
                for (int64_t j = 0; j < s; j++) { float z = a * xc[j] + b; yc[j] = z / (1.0f + dipp_expf(-z)); }
            } else {
                for (int64_t j = 0; j < s; j++) yc[j] = a * xc[j] + b;
            }
        }
    }
}

/* Its VJP for the same pairs. With x̂ = (x − μ)·r and dz = dy, or dy·σ(z)(1 + z(1 − σ(z))) after
 * SiLU (z recomputed): ∂x = r·(γ_c·dz − mean(γ·dz) − x̂·mean(γ·dz·x̂)), means over the block; and
 * per (n, c) the partial sums dgamma_part = Σ_s dz·x̂, dbeta_part = Σ_s dz ([N, C]; the caller
 * sums them over n). dz is kept in dx between the two passes. */
DIPP_BODY void group_norm_backward_body(const float *x, const float *gamma, const float *beta, const float *mean, const float *rstd,
                                          const float *dy, float *dx, float *dgamma_part, float *dbeta_part,
                                          int64_t begin, int64_t end, int64_t groups, int64_t cg, int64_t s, int silu) {
    const int64_t m = cg * s, channels = groups * cg;
    for (int64_t t = begin; t < end; t++) {
        const float mu = mean[t], r = rstd[t];
        const int64_t c0 = (t % groups) * cg, part = (t / groups) * channels + c0;
        double m1 = 0, m2 = 0;
        for (int64_t k = 0; k < cg; k++) {
            const float *xc = x + t * m + k * s, *dyc = dy + t * m + k * s;
            float *dz = dx + t * m + k * s;
            const float gk = gamma[c0 + k], a = gk * r, b = beta[c0 + k] - mu * a;
            if (silu) {
                for (int64_t j = 0; j < s; j++) {
                    float z = a * xc[j] + b, sg = 1.0f / (1.0f + dipp_expf(-z));
                    dz[j] = dyc[j] * sg * (1.0f + z * (1.0f - sg));
                }
            } else if (dz != dyc) {
                memcpy(dz, dyc, (size_t)s * sizeof *dz);
            }
            double s1 = 0, s2 = 0;
#pragma omp simd reduction(+ : s1, s2)
            for (int64_t j = 0; j < s; j++) { s1 += dz[j]; s2 += (double)dz[j] * ((xc[j] - mu) * r); }
            dbeta_part[part + k] = (float)s1;
            dgamma_part[part + k] = (float)s2;
            m1 += gk * s1;
            m2 += gk * s2;
        }
        const float mean1 = (float)(m1 / (double)m), mean2 = (float)(m2 / (double)m);
        for (int64_t k = 0; k < cg; k++) {
            const float *xc = x + t * m + k * s;
            float *d = dx + t * m + k * s;
            const float gk = gamma[c0 + k];
            for (int64_t j = 0; j < s; j++) d[j] = r * (gk * d[j] - mean1 - (xc[j] - mu) * r * mean2);
        }
    }
}

/* The same on [N, S, C] (channels last) for the samples [begin, end), on x + offset when offset
 * ([N, C], added at every position of its sample and channel) is given. Per sample: per-channel
 * sums over the S positions (each channel's in position order, vectorised across channels),
 * combined per group; then z = a_c·x + b_c with a_c = γ_c·r_g and b_c = β_c + a_c·(o_c − μ_g). */
DIPP_BODY void group_norm_last_body(const float *x, const float *offset, const float *gamma, const float *beta, float *y,
                                      float *mean, float *rstd, int64_t begin, int64_t end, int64_t groups, int64_t cg,
                                      int64_t s, float epsilon, int silu) {
    const int64_t channels = groups * cg;
    const double count = (double)(cg * s);
    /* Per-channel scratch on the heap (any channel count): acc, then shift, a, b. */
    double *acc = malloc((size_t)channels * (sizeof(double) + 3 * sizeof(float)));
    if (!acc) abort();
    float *shift = (float *)(acc + channels), *a = shift + channels, *b = a + channels;
    for (int64_t n = begin; n < end; n++) {
        const float *xn = x + n * s * channels;
        float *yn = y + n * s * channels;
        for (int64_t c = 0; c < channels; c++) { acc[c] = 0; shift[c] = offset ? offset[n * channels + c] : 0; }
        for (int64_t p = 0; p < s; p++)
            for (int64_t c = 0; c < channels; c++) acc[c] += xn[p * channels + c] + shift[c];
        for (int64_t g = 0; g < groups; g++) {
            double total = 0;
            for (int64_t k = 0; k < cg; k++) total += acc[g * cg + k];
            mean[n * groups + g] = (float)(total / count);
        }
        for (int64_t c = 0; c < channels; c++) { acc[c] = 0; a[c] = mean[n * groups + c / cg]; }
        for (int64_t p = 0; p < s; p++)
            for (int64_t c = 0; c < channels; c++) { double d = xn[p * channels + c] + shift[c] - a[c]; acc[c] += d * d; }
        for (int64_t g = 0; g < groups; g++) {
            double squares = 0;
            for (int64_t k = 0; k < cg; k++) squares += acc[g * cg + k];
            rstd[n * groups + g] = (float)(1.0 / __builtin_sqrt(squares / count + (double)epsilon));
        }
        for (int64_t c = 0; c < channels; c++) {
            const float r = rstd[n * groups + c / cg], mu = mean[n * groups + c / cg];
            a[c] = gamma[c] * r;
            b[c] = beta[c] + a[c] * (shift[c] - mu);
        }
        if (silu) {
            for (int64_t p = 0; p < s; p++)
                for (int64_t c = 0; c < channels; c++) {
                    float z = a[c] * xn[p * channels + c] + b[c];
                    yn[p * channels + c] = z / (1.0f + dipp_expf(-z));
                }
        } else {
            for (int64_t p = 0; p < s; p++)
                for (int64_t c = 0; c < channels; c++) yn[p * channels + c] = a[c] * xn[p * channels + c] + b[c];
        }
    }
    free(acc);
}

/* Its VJP, as dipp_group_norm_backward's, per sample; with an offset, also its gradient
 * doffset[n, c] = Σ_positions ∂x (NULL without one). */
DIPP_BODY void group_norm_last_backward_body(const float *x, const float *offset, const float *gamma, const float *beta,
                                               const float *mean, const float *rstd, const float *dy, float *dx,
                                               float *dgamma_part, float *dbeta_part, float *doffset, int64_t begin, int64_t end,
                                               int64_t groups, int64_t cg, int64_t s, int silu) {
    const int64_t channels = groups * cg;
    const double count = (double)(cg * s);
    /* Per-channel scratch on the heap (any channel count): s1, s2, then seven float arrays. */
    double *s1 = malloc((size_t)channels * (2 * sizeof(double) + 7 * sizeof(float)));
    if (!s1) abort();
    double *s2 = s1 + channels;
    float *shift = (float *)(s2 + channels), *mu = shift + channels, *r = mu + channels, *a = r + channels, *b = a + channels,
          *m1 = b + channels, *m2 = m1 + channels;
    for (int64_t n = begin; n < end; n++) {
        const float *xn = x + n * s * channels, *dyn = dy + n * s * channels;
        float *dxn = dx + n * s * channels;
        for (int64_t c = 0; c < channels; c++) {
            shift[c] = offset ? offset[n * channels + c] : 0;
            mu[c] = mean[n * groups + c / cg];
            r[c] = rstd[n * groups + c / cg];
            a[c] = gamma[c] * r[c];
            b[c] = beta[c] + a[c] * (shift[c] - mu[c]);
            s1[c] = 0;
            s2[c] = 0;
        }
        for (int64_t p = 0; p < s; p++)
            for (int64_t c = 0; c < channels; c++) {
                const int64_t i = p * channels + c;
                float dz = dyn[i];
                if (silu) {
                    float z = a[c] * xn[i] + b[c], sg = 1.0f / (1.0f + dipp_expf(-z));
                    dz *= sg * (1.0f + z * (1.0f - sg));
                }
                dxn[i] = dz;
                s1[c] += dz;
                s2[c] += (double)dz * ((xn[i] + shift[c] - mu[c]) * r[c]);
            }
        for (int64_t g = 0; g < groups; g++) {
            double t1 = 0, t2 = 0;
            for (int64_t k = 0; k < cg; k++) { t1 += gamma[g * cg + k] * s1[g * cg + k]; t2 += gamma[g * cg + k] * s2[g * cg + k]; }
            for (int64_t k = 0; k < cg; k++) { m1[g * cg + k] = (float)(t1 / count); m2[g * cg + k] = (float)(t2 / count); }
        }
        for (int64_t c = 0; c < channels; c++) {
            dbeta_part[n * channels + c] = (float)s1[c];
            dgamma_part[n * channels + c] = (float)s2[c];
            s1[c] = 0;
        }
        for (int64_t p = 0; p < s; p++)
            for (int64_t c = 0; c < channels; c++) {
                const int64_t i = p * channels + c;
                float d = r[c] * (gamma[c] * dxn[i] - m1[c] - (xn[i] + shift[c] - mu[c]) * r[c] * m2[c]);
                dxn[i] = d;
                s1[c] += d;
            }
        if (doffset)
            for (int64_t c = 0; c < channels; c++) doffset[n * channels + c] = (float)s1[c];
    }
    free(s1);
}

DIPP_BODY void bias_silu_body(float *z, const float *bias, float *y, float *s, int64_t rows, int64_t n) {
    for (int64_t r = 0; r < rows; r++) {
        float *zr = z + r * n;
        if (bias)
            for (int64_t j = 0; j < n; j++) zr[j] += bias[j];
        if (!s) continue;
        float *yr = y + r * n, *sr = s + r * n;
        for (int64_t j = 0; j < n; j++) {
            float sj = 1.0f / (1.0f + dipp_expf(-zr[j]));
            sr[j] = sj;
            yr[j] = zr[j] * sj;
        }
    }
}

DIPP_BODY void bias_silu_in_place_body(float *z, const float *bias, int64_t rows, int64_t n) {
    for (int64_t r = 0; r < rows; r++) {
        float *zr = z + r * n;
        for (int64_t j = 0; j < n; j++) {
            float v = bias ? zr[j] + bias[j] : zr[j];
            zr[j] = v * (1.0f / (1.0f + dipp_expf(-v))); /* the same operations as dipp_bias_silu */
        }
    }
}

DIPP_BODY void bias_silu_backward_body(const float *z, const float *s, const float *g, float *gz, float *bias_grad,
                                         int64_t rows, int64_t n) {
    for (int64_t r = 0; r < rows; r++) {
        const float *gr = g + r * n;
        float *out = gz + r * n;
        if (s) {
            const float *zr = z + r * n, *sr = s + r * n;
            for (int64_t j = 0; j < n; j++) out[j] = gr[j] * sr[j] * (1.0f + zr[j] * (1.0f - sr[j]));
        } else if (out != gr) {
            memcpy(out, gr, (size_t)n * sizeof *out);
        }
        if (bias_grad)
            for (int64_t j = 0; j < n; j++) bias_grad[j] += out[j];
    }
}

#pragma STDC FP_CONTRACT OFF
DIPP_BODY void adam_ema_body(float *p, const float *g, float *m, float *v, float *ema, int64_t n,
                               float lr, float beta1, float beta2, float epsilon, float weight_decay,
                               float correction1, float correction2, float ema_decay) {
    for (int64_t i = 0; i < n; i++) {
        m[i] = beta1 * m[i] + (1 - beta1) * g[i];
        v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
        float m_hat = m[i] / correction1, v_hat = v[i] / correction2;
        p[i] -= lr * (m_hat / (__builtin_sqrtf(v_hat) + epsilon) + weight_decay * p[i]);
        if (ema) ema[i] = ema_decay * ema[i] + (1 - ema_decay) * p[i];
    }
}

/* Round to nearest even on the upper 16 bits; NaN stays NaN (quiet), ±inf and overflow to inf as IEEE rounding gives. */
DIPP_BODY uint16_t dipp_bf16_of(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
    return (uint16_t)((u & 0x7fffffffu) > 0x7f800000u ? (u >> 16) | 0x40u : rounded);
}

/* The same rounding on 16 values: the bfloat16 pattern in the low half of each 32-bit lane. */
__attribute__((target("avx512f"))) static inline __m512i dipp_bf16_lanes(__m512i u) {
    __m512i rounded = _mm512_srli_epi32(
        _mm512_add_epi32(_mm512_add_epi32(u, _mm512_set1_epi32(0x7fff)), _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1))), 16);
    __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(u, _mm512_set1_epi32(0x7fffffff)), _mm512_set1_epi32(0x7f800000));
    return _mm512_mask_or_epi32(rounded, nan, _mm512_srli_epi32(u, 16), _mm512_set1_epi32(0x40));
}

/* 32 values per step: two vectors of rounded lanes packed to 16 bits (packus interleaves the
 * two by 128-bit lane; the permutation restores the order) and one 64-byte store. The compiler's
 * own vectorisation of the scalar loop stores through vpmovdw to memory, which is slow on Zen 4. */
__attribute__((target("avx512f,avx512bw"))) static void float_to_bf16_avx512_packed(const float *x, uint16_t *y, int64_t n) {
    const __m512i order = _mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7);
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m512i a = dipp_bf16_lanes(_mm512_loadu_si512((const void *)(x + i)));
        __m512i b = dipp_bf16_lanes(_mm512_loadu_si512((const void *)(x + i + 16)));
        _mm512_storeu_si512((void *)(y + i), _mm512_permutexvar_epi64(order, _mm512_packus_epi32(a, b)));
    }
    for (; i < n; i++) y[i] = dipp_bf16_of(x[i]);
}

DIPP_BODY void float_to_bf16_body(const float *x, uint16_t *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = dipp_bf16_of(x[i]);
}

/* x rounded to bfloat16 and widened back to fp32: the values a bf16 product reads. */
DIPP_BODY void round_bf16_body(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        uint32_t u = (uint32_t)dipp_bf16_of(x[i]) << 16;
        memcpy(&y[i], &u, sizeof u);
    }
}

/* sin x and cos x for |x| up to about 10⁵: x = q·π/2 + r, |r| ≤ π/4, with π/2 in three parts
 * (Cody–Waite; q·part exact for |q| < 2¹⁶), sin r and cos r by Cephes' sinf/cosf polynomials,
 * and the quadrant q mod 4 swapping and negating them. Absolute error ≈ 1e-7 on |x| ≤ 10³.
 * Branch-free, so the loop below vectorises. */
DIPP_BODY void dipp_sincosf(float x, float *s, float *c) {
    const float magic = 12582912.0f; /* 1.5·2^23: adding it rounds to an integer */
    float q = (x * 0.636619772367581343f + magic) - magic;
    float r = x - q * 1.5703125f;
    r = r - q * 4.837512969970703125e-4f;
    r = r - q * 7.549789948768648e-8f;
    float z = r * r;
    float sr = ((-1.9515295891e-4f * z + 8.3321608736e-3f) * z - 1.6666654611e-1f) * z * r + r;
    float cr = ((2.443315711809948e-5f * z - 1.388731625493765e-3f) * z + 4.166664568298827e-2f) * z * z - 0.5f * z + 1.0f;
    int32_t quadrant = (int32_t)q;
    float sv = (quadrant & 1) ? cr : sr, cv = (quadrant & 1) ? sr : cr;
    *s = (quadrant & 2) ? -sv : sv;
    *c = ((quadrant + 1) & 2) ? -cv : cv;
}

DIPP_BODY void fourier_features_body(const float *x, const float *frequencies, float *out, int64_t rows, int64_t half) {
    for (int64_t i = 0; i < rows; i++) {
        float *row = out + i * 2 * half;
        for (int64_t j = 0; j < half; j++) dipp_sincosf(x[i] * frequencies[j], &row[half + j], &row[j]);
    }
}

/* Every kernel above with its parameters and the arguments that forward them. */
#define DIPP_KERNELS(X)                                                                                                   \
    X(sigmoid, (const float *x, float *s, int64_t n), (x, s, n))                                                          \
    X(silu, (const float *x, float *y, float *s, int64_t n), (x, y, s, n))                                                \
    X(silu_backward, (const float *x, const float *s, const float *g, float *out, int64_t n), (x, s, g, out, n))          \
    X(quick_gelu, (const float *x, float *y, float *s, int64_t n), (x, y, s, n))                                          \
    X(quick_gelu_backward, (const float *x, const float *s, const float *g, float *out, int64_t n), (x, s, g, out, n))    \
    X(gelu, (const float *x, float *y, int64_t n), (x, y, n))                                                             \
    X(gelu_backward, (const float *x, const float *g, float *out, int64_t n), (x, g, out, n))                             \
    X(normalize_rows, (const float *x, float *y, float *inv_std, int64_t rows, int64_t n, float epsilon),                 \
      (x, y, inv_std, rows, n, epsilon))                                                                                  \
    X(normalize_rows_backward, (const float *y, const float *g, const float *inv_std, float *out, int64_t rows, int64_t n), \
      (y, g, inv_std, out, rows, n))                                                                                      \
    X(group_norm,                                                                                                         \
      (const float *x, const float *gamma, const float *beta, float *y, float *mean, float *rstd, int64_t begin,          \
       int64_t end, int64_t groups, int64_t cg, int64_t s, float epsilon, int silu),                                      \
      (x, gamma, beta, y, mean, rstd, begin, end, groups, cg, s, epsilon, silu))                                          \
    X(group_norm_backward,                                                                                                \
      (const float *x, const float *gamma, const float *beta, const float *mean, const float *rstd, const float *dy,      \
       float *dx, float *dgamma_part, float *dbeta_part, int64_t begin, int64_t end, int64_t groups, int64_t cg,          \
       int64_t s, int silu),                                                                                              \
      (x, gamma, beta, mean, rstd, dy, dx, dgamma_part, dbeta_part, begin, end, groups, cg, s, silu))                     \
    X(group_norm_last,                                                                                                    \
      (const float *x, const float *offset, const float *gamma, const float *beta, float *y, float *mean, float *rstd,    \
       int64_t begin, int64_t end, int64_t groups, int64_t cg, int64_t s, float epsilon, int silu),                       \
      (x, offset, gamma, beta, y, mean, rstd, begin, end, groups, cg, s, epsilon, silu))                                  \
    X(group_norm_last_backward,                                                                                           \
      (const float *x, const float *offset, const float *gamma, const float *beta, const float *mean, const float *rstd,  \
       const float *dy, float *dx, float *dgamma_part, float *dbeta_part, float *doffset, int64_t begin, int64_t end,     \
       int64_t groups, int64_t cg, int64_t s, int silu),                                                                  \
      (x, offset, gamma, beta, mean, rstd, dy, dx, dgamma_part, dbeta_part, doffset, begin, end, groups, cg, s, silu))    \
    X(bias_silu, (float *z, const float *bias, float *y, float *s, int64_t rows, int64_t n), (z, bias, y, s, rows, n))    \
    X(bias_silu_in_place, (float *z, const float *bias, int64_t rows, int64_t n), (z, bias, rows, n))                     \
    X(bias_silu_backward,                                                                                                 \
      (const float *z, const float *s, const float *g, float *gz, float *bias_grad, int64_t rows, int64_t n),             \
      (z, s, g, gz, bias_grad, rows, n))                                                                                  \
    X(adam_ema,                                                                                                           \
      (float *p, const float *g, float *m, float *v, float *ema, int64_t n, float lr, float beta1, float beta2,           \
       float epsilon, float weight_decay, float correction1, float correction2, float ema_decay),                         \
      (p, g, m, v, ema, n, lr, beta1, beta2, epsilon, weight_decay, correction1, correction2, ema_decay))                 \
    X(fourier_features, (const float *x, const float *frequencies, float *out, int64_t rows, int64_t half),               \
      (x, frequencies, out, rows, half))                                                                                  \
    X(float_to_bf16, (const float *x, uint16_t *y, int64_t n), (x, y, n))                                                 \
    X(round_bf16, (const float *x, float *y, int64_t n), (x, y, n))

#define DIPP_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")))
#define DIPP_TARGET_AVX2 __attribute__((target("avx2,fma")))

#define DIPP_VARIANTS(name, params, args)                                 \
    DIPP_TARGET_AVX512 static void name##_avx512 params { name##_body args; } \
    DIPP_TARGET_AVX2 static void name##_avx2 params { name##_body args; }     \
    static void name##_baseline params { name##_body args; }
DIPP_KERNELS(DIPP_VARIANTS)

typedef struct {
#define DIPP_SLOT(name, params, args) void(*name) params;
    DIPP_KERNELS(DIPP_SLOT)
} kernel_table;

#define DIPP_AVX512_ENTRY(name, params, args) name##_avx512,
#define DIPP_AVX2_ENTRY(name, params, args) name##_avx2,
#define DIPP_BASELINE_ENTRY(name, params, args) name##_baseline,
static const kernel_table avx512_kernels = {DIPP_KERNELS(DIPP_AVX512_ENTRY)};
static const kernel_table avx2_kernels = {DIPP_KERNELS(DIPP_AVX2_ENTRY)};
static const kernel_table baseline_kernels = {DIPP_KERNELS(DIPP_BASELINE_ENTRY)};

/* The AVX-512 table with the packed bf16 rounding (the compiler's vectorisation is slower). */
static kernel_table avx512_packed_kernels;

/* Baseline until the probe runs (before main), so that a call before it works on any CPU. */
static const kernel_table *kernels = &baseline_kernels;

void dipp_select_kernels(int isa) {
    if (isa >= DIPP_ISA_AVX512) {
        avx512_packed_kernels = avx512_kernels;
        avx512_packed_kernels.float_to_bf16 = float_to_bf16_avx512_packed;
        kernels = &avx512_packed_kernels;
    } else {
        kernels = isa >= DIPP_ISA_AVX2 ? &avx2_kernels : &baseline_kernels;
    }
}

#define DIPP_PUBLIC(name, params, args) \
    void dipp_##name params { kernels->name args; }
DIPP_KERNELS(DIPP_PUBLIC)
