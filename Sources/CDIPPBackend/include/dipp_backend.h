#ifndef DIPP_BACKEND_H
#define DIPP_BACKEND_H
/* A tiny C shim between DIPPTensor and the system libraries it computes with.
 * Swift sees only these functions; nothing here allocates or keeps state. */
#include <stdint.h>

/* Row-major single-precision GEMM through oneDNN (dnnl_sgemm):
 * C = alpha * op(A) * op(B) + beta * C, op(X) = X or X^T (trans_* != 0).
 * Returns 0 on success, oneDNN's status code otherwise. */
int dipp_sgemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,
               const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
               float *c, int64_t ldc);

/* The same GEMM at reduced precision: op(A) and op(B) are rounded to bfloat16 (nearest even;
 * 8 significant bits) and multiplied with fp32 accumulation by oneDNN's dnnl_gemm_bf16bf16f32
 * (AVX512-BF16 on AMD Zen 4, AMX on recent Xeons, emulated by oneDNN on other AVX-512 CPUs); C
 * stays fp32. Where oneDNN has no bf16 GEMM (no AVX-512, or DIPP_MAX_ISA below it) the rounded
 * operands are widened back to fp32 and multiplied by dnnl_sgemm: the same products, summed in
 * another order, at fp32 speed. The operands are converted on every call, into per-thread
 * scratch buffers. Returns 0, oneDNN's status, or -1001 when the scratch buffers cannot be
 * allocated. */
int dipp_gemm_bf16(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                   const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
                   float *c, int64_t ldc);

/* The same product on operands already rounded to bfloat16 (dipp_to_bf16), dense row-major:
 * op(A) m×k, op(B) k×n as above, stored with their natural leading dimensions. */
int dipp_gemm_bf16_rounded(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                           const uint16_t *a, const uint16_t *b, float beta, float *c, int64_t ldc);

/* x rounded to bfloat16 (nearest even; NaN stays NaN). */
void dipp_float_to_bf16(const float *x, uint16_t *y, int64_t n);

/* x rounded to bfloat16 and widened back to fp32 (y may alias x): the values a bf16 product
 * reads; the second on the GEMM threads when large enough to gain. */
void dipp_round_bf16(const float *x, float *y, int64_t n);
void dipp_round_bf16_parallel(const float *x, float *y, int64_t n);

/* rows × cols of x (leading dimension ld) rounded to bfloat16 into dense y, on the GEMM threads
 * when large enough to gain. */
void dipp_to_bf16(const float *x, uint16_t *y, int64_t rows, int64_t cols, int64_t ld);

/* Number of OpenMP threads oneDNN uses (omp_set_num_threads / omp_get_max_threads). */
void dipp_set_threads(int threads);
int dipp_get_threads(void);

/* Runs body(context, begin, end) over `chunks` contiguous chunks of [0, count) — chunk i is
 * [i·⌈count/chunks⌉, …) — on libgomp's thread team (the threads oneDNN's GEMMs use, so the
 * element-wise passes between GEMMs wake no other pool). Returns when every chunk is done. */
typedef void (*dipp_chunk_body)(void *context, int64_t begin, int64_t end);
void dipp_parallel_chunks(int64_t count, int chunks, dipp_chunk_body body, void *context);

/* The CPU, as every kernel choice sees it. Levels, lowest first: baseline x86-64 (SSE2),
 * AVX2 + FMA, AVX-512 (F, BW, DQ, VL), AVX-512 + AVX512-BF16, AVX-512 + AMX-BF16. */
enum { DIPP_ISA_BASELINE = 0, DIPP_ISA_AVX2 = 1, DIPP_ISA_AVX512 = 2, DIPP_ISA_AVX512_BF16 = 3, DIPP_ISA_AMX = 4 };

/* "baseline", "avx2", "avx512", "avx512_bf16", "amx" (or "unknown"), and back (-1 if none). */
const char *dipp_isa_name(int isa);
int dipp_isa_from_name(const char *name);

typedef struct {
    /* The CPU's own level, and the level in effect: the lower of it and DIPP_MAX_ISA. */
    int native_isa, isa;
    /* DIPP_MAX_ISA as a level, -1 when unset; cap_invalid when set to no level's name (then
     * ignored; cap_text holds the value). */
    int cap, cap_invalid;
    char cap_text[64];
    /* What dnnl_set_max_cpu_isa answered to the cap (0 = applied; not asked without a cap). */
    int onednn_cap_status;
    /* Native CPU features (CPUID, with the OS's support for the vector state). */
    int avx2, fma, avx512f, avx512bw, avx512_bf16, amx;
    /* What oneDNN creates here under the cap: its bf16 GEMM, a bf16 convolution, a Winograd
     * convolution; and the ISA its JIT kernels use (dnnl_get_effective_cpu_isa). */
    int bf16_gemm, bf16_conv, winograd, onednn_isa;
} dipp_cpu_info;

/* The probe: CPU features and DIPP_MAX_ISA are read before main (which also caps oneDNN with
 * dnnl_set_max_cpu_isa and selects the element-wise kernels); oneDNN's capabilities are tried
 * on the first call. */
const dipp_cpu_info *dipp_cpu(void);

/* The level in effect (dipp_cpu()->isa, without trying oneDNN's capabilities). */
int dipp_isa(void);

/* oneDNN's name of the ISA its kernels use (e.g. "Intel AVX2"), and its version. */
const char *dipp_onednn_isa_name(void);
void dipp_onednn_version(int *major, int *minor, int *patch);

/* Whether oneDNN's bf16 GEMM runs here (else dipp_gemm_bf16 emulates it). */
int dipp_bf16_gemm_native(void);

/* The widest FMA vector unit in effect: 512 (AVX-512), 256 (AVX2+FMA) or 0. */
int dipp_fma_width(void);

/* Measured single-precision FMA peak in GFLOP/s: `threads` threads each run
 * `iterations` rounds of 12 independent vector FMA chains (enough to hide the FMA latency),
 * the widest the CPU supports. Pure register work: no memory traffic. */
double dipp_fma_peak_gflops(int threads, int64_t iterations);

/* Eigen-decomposition of a symmetric n×n matrix through LAPACK's dsyev: eigenvalues ascending.
 * With `vectors` != 0, `matrix` is overwritten so that row k (row-major view) is the unit
 * eigenvector of eigenvalue k; otherwise it is destroyed. Returns LAPACK's info (0 = success). */
/* LAPACK's version (ilaver). */
void dipp_lapack_version(int *major, int *minor, int *patch);

int dipp_symmetric_eigen(int32_t n, double *matrix, double *eigenvalues, int32_t vectors);

/* Vectorised element-wise kernels (the hot loops of MLP training), compiled for AVX-512,
 * AVX2 + FMA and baseline x86-64; the probe picks one set before main (dipp_cpu). exp is a Cephes-style polynomial with
 * range reduction: relative error below 2e-7 on [-87, 88]; inputs are clamped to that range.
 *   dipp_sigmoid: s = 1/(1 + e^-x)
 *   dipp_silu:    y = x*s, and s stored for the backward pass
 *   dipp_silu_backward: out = g * s * (1 + x*(1 - s)) */
void dipp_sigmoid(const float *x, float *s, int64_t n);
void dipp_silu(const float *x, float *y, float *s, int64_t n);
void dipp_silu_backward(const float *x, const float *s, const float *g, float *out, int64_t n);

/* A dense layer's element-wise work, fused (rows × n, row-major; the GEMM x·W is done before):
 *   dipp_bias_silu:  z += b (per column); with s != NULL also y = z·σ(z), s = σ(z) kept
 *                    (s == NULL: bias only, y unused).
 *   dipp_bias_silu_in_place: z ← (z + b)·σ(z + b) (b may be NULL), for a forward pass that no
 *                    gradient goes through: one buffer written instead of three.
 *   dipp_bias_silu_backward: gz = g·σ(1 + z(1 − σ)) (or gz = g when s == NULL), and the
 *                    column sums of gz added into bias_grad (n values; rows summed in order). */
void dipp_bias_silu(float *z, const float *bias, float *y, float *s, int64_t rows, int64_t n);
void dipp_bias_silu_in_place(float *z, const float *bias, int64_t rows, int64_t n);
void dipp_bias_silu_backward(const float *z, const float *s, const float *g, float *gz, float *bias_grad,
                             int64_t rows, int64_t n);

/* One Adam(W) step on n values, then (with ema != NULL) the moving average, in one pass:
 *   m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  p ← p − lr·((m/c₁)/(√(v/c₂) + ε) + λp);
 *   ema ← δ·ema + (1−δ)·p.   c₁, c₂ are the bias corrections 1 − βᵗ. Same operations, in the
 * same order, as the scalar Swift loops it replaced (no FMA contraction), so results are equal. */
void dipp_adam_ema(float *p, const float *g, float *m, float *v, float *ema, int64_t n,
                   float lr, float beta1, float beta2, float epsilon, float weight_decay,
                   float correction1, float correction2, float ema_decay);

/* GELU with the error function (erf by Abramowitz & Stegun 7.1.26, |error| < 1.5e-7 + the exp's):
 *   dipp_gelu: y = x·Φ(x);  dipp_gelu_backward: out = g·(Φ(x) + x·φ(x)). */
void dipp_gelu(const float *x, float *y, int64_t n);
/* Quick GELU (CLIP's activation): dipp_quick_gelu: s = σ(1.702x) stored, y = x·s;
 *   dipp_quick_gelu_backward: out = g·(s + 1.702·x·s·(1 − s)). */
void dipp_quick_gelu(const float *x, float *y, float *s, int64_t n);
void dipp_quick_gelu_backward(const float *x, const float *s, const float *g, float *out, int64_t n);
void dipp_gelu_backward(const float *x, const float *g, float *out, int64_t n);

/* Fourier features of rows values x with `half` frequencies f, into rows × 2·half:
 *   out[i, j] = cos(x_i·f_j), out[i, half + j] = sin(x_i·f_j);
 * a vectorised sin/cos (Cody–Waite reduction by π/2, Cephes polynomials): absolute error about
 * 1e-7 for |x_i·f_j| ≤ 10³, meant for |x_i·f_j| ≤ 10⁵. */
void dipp_fourier_features(const float *x, const float *frequencies, float *out, int64_t rows, int64_t half);

/* `rows` rows of length n: y = (x − μ)/√(v + ε) (μ, v accumulated in double), inv_std[r] kept;
 * backward: out = (g − mean(g) − y·mean(g ⊙ y))·inv_std. */
void dipp_normalize_rows(const float *x, float *y, float *inv_std, int64_t rows, int64_t n, float epsilon);
void dipp_normalize_rows_backward(const float *y, const float *g, const float *inv_std, float *out, int64_t rows, int64_t n);

/* Group normalisation of [N, C, S] (S values per channel) in G groups of cg = C/G channels,
 * fused with a per-channel affine map and optionally SiLU, over the (sample, group) pairs
 * [begin, end): z = gamma_c·(x − μ)/√(v + ε) + beta_c, y = z·σ(z) (silu != 0) or z; mean and
 * rstd = 1/√(v + ε) per pair ([N·G]) are written for the backward call, which overwrites dx
 * (dx must not alias x, which it reads after writing dx) and writes per-(n, c) partial sums of
 * the scale and shift gradients into dgamma_part and dbeta_part ([N, C]). Scratch memory is
 * allocated per call. */
void dipp_group_norm(const float *x, const float *gamma, const float *beta, float *y, float *mean, float *rstd,
                     int64_t begin, int64_t end, int64_t groups, int64_t cg, int64_t s, float epsilon, int silu);
void dipp_group_norm_backward(const float *x, const float *gamma, const float *beta, const float *mean, const float *rstd,
                              const float *dy, float *dx, float *dgamma_part, float *dbeta_part,
                              int64_t begin, int64_t end, int64_t groups, int64_t cg, int64_t s, int silu);
/* The same on [N, S, C] (channels last; per sample n in [begin, end)), normalising x + offset
 * when offset ([N, C], one value per sample and channel) is non-NULL; the backward call then
 * also writes its gradient into doffset ([N, C]). */
void dipp_group_norm_last(const float *x, const float *offset, const float *gamma, const float *beta, float *y,
                          float *mean, float *rstd, int64_t begin, int64_t end, int64_t groups, int64_t cg,
                          int64_t s, float epsilon, int silu);
void dipp_group_norm_last_backward(const float *x, const float *offset, const float *gamma, const float *beta,
                                   const float *mean, const float *rstd, const float *dy, float *dx,
                                   float *dgamma_part, float *dbeta_part, float *doffset, int64_t begin, int64_t end,
                                   int64_t groups, int64_t cg, int64_t s, int silu);

/* A 2-D convolution of one shape (no dilation; zero padding on all sides; a per-channel bias
 * when created with bias != 0) through oneDNN's convolution primitives on plain NCHW
 * input/output (NHWC with channels_last != 0; the dimensions are given as n, c, h, w either
 * way) and OIHW weights:
 *   dst[n,o,y,x] = bias[o] + sum_{c,i,j} src[n,c,y*stride-pad+i, x*stride-pad+j] * weights[o,c,i,j].
 * Create once per shape (NULL and *status = oneDNN's status on failure); the calls return 0 or
 * oneDNN's status. `bias` / `diff_bias` are ignored (may be NULL) without a bias. The backward
 * call overwrites the gradients it is given: diff_src when non-NULL, diff_weights (and
 * diff_bias) when diff_weights is non-NULL. One thread at a time per object. With bf16 != 0
 * every call reads src, weights and diff_dst rounded to bfloat16 (nearest even) and
 * accumulates and writes in fp32 (Compute.precision = bf16); the bias stays fp32. Where oneDNN
 * has no bf16 convolution (no AVX-512, or DIPP_MAX_ISA below it), the fp32 primitives run on
 * operands rounded to bfloat16 by the object itself (dipp_conv_emulates_bf16). With
 * winograd != 0 all three primitives use oneDNN's Winograd F(4×4, 3×3) kernels in its blocked
 * layouts (fp32, 3×3, stride 1, channel counts multiples of 16 on AVX-512; creation fails
 * otherwise, and the caller falls back to direct). */
typedef struct dipp_conv dipp_conv;
dipp_conv *dipp_conv_create(int64_t n, int64_t c, int64_t h, int64_t w, int64_t o, int64_t kh, int64_t kw,
                            int64_t stride, int64_t padding, int bias, int channels_last, int bf16, int winograd, int *status);
int dipp_conv_forward(dipp_conv *conv, const float *src, const float *weights, const float *bias, float *dst);
int dipp_conv_backward(dipp_conv *conv, const float *src, const float *diff_dst, const float *weights,
                       float *diff_src, float *diff_weights, float *diff_bias);
void dipp_conv_destroy(dipp_conv *conv);
/* Whether a bf16 convolution runs emulated (fp32 primitives on rounded operands). */
int dipp_conv_emulates_bf16(const dipp_conv *conv);

#endif
