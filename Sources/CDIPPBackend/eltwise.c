#include "dipp_backend.h"
#include <stdint.h>
#include <string.h>

/* e^x for x in [-87.3, 88.7]: x = n·ln2 + r, |r| ≤ ln2/2, e^r by a degree-6 polynomial
 * (Cephes expf coefficients), 2^n by building the exponent bits. Branch-free so the loops
 * below vectorise. */
static inline float dipp_expf(float x) {
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

#define DIPP_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

DIPP_CLONES void dipp_sigmoid(const float *x, float *s, int64_t n) {
    for (int64_t i = 0; i < n; i++) s[i] = 1.0f / (1.0f + dipp_expf(-x[i]));
}

DIPP_CLONES void dipp_silu(const float *x, float *y, float *s, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        float si = 1.0f / (1.0f + dipp_expf(-x[i]));
        s[i] = si;
        y[i] = x[i] * si;
    }
}

DIPP_CLONES void dipp_silu_backward(const float *x, const float *s, const float *g, float *out, int64_t n) {
    for (int64_t i = 0; i < n; i++) out[i] = g[i] * s[i] * (1.0f + x[i] * (1.0f - s[i]));
}
