#include "dipp_backend.h"
#include <dnnl.h>
#include <immintrin.h>
#include <pthread.h>
#include <time.h>

#include <malloc.h>
#include <stdlib.h>

/* Keep large tensor buffers in the malloc heap instead of fresh mmap()s: every training step
 * allocates and frees the same sizes, and glibc's default (mmap above 128 KiB, unmapped on
 * free) turns each allocation into page faults and zero-filling by the kernel. Measured: see
 * Documentation/Performance.md. */
__attribute__((constructor)) static void dipp_tune_malloc(void) {
    mallopt(M_MMAP_THRESHOLD, 256 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
}

/* LAPACK (Fortran calling convention). */
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
            double *work, const int *lwork, int *info);

void ilaver_(int *major, int *minor, int *patch);

void dipp_lapack_version(int *major, int *minor, int *patch) { ilaver_(major, minor, patch); }

int dipp_symmetric_eigen(int32_t n, double *matrix, double *eigenvalues, int32_t vectors) {
    int size = n, info = 0, lwork = -1;
    double query = 0;
    dsyev_(vectors ? "V" : "N", "U", &size, matrix, &size, eigenvalues, &query, &lwork, &info);
    if (info != 0) return info;
    lwork = (int)query;
    double *work = malloc(sizeof(double) * (size_t)(lwork > 1 ? lwork : 1));
    if (!work) return -1000;
    dsyev_(vectors ? "V" : "N", "U", &size, matrix, &size, eigenvalues, work, &lwork, &info);
    free(work);
    return info;
}

/* libgomp's API, declared here so the build does not depend on where gcc keeps omp.h. */
void omp_set_num_threads(int);
int omp_get_max_threads(void);

int dipp_sgemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,
               const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
               float *c, int64_t ldc) {
    return (int)dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, alpha,
                           a, lda, b, ldb, beta, c, ldc);
}

void dipp_set_threads(int threads) { omp_set_num_threads(threads < 1 ? 1 : threads); }
int dipp_get_threads(void) { return omp_get_max_threads(); }

int dipp_fma_width(void) {
    int isa = dipp_isa();
    return isa >= DIPP_ISA_AVX512 ? 512 : isa >= DIPP_ISA_AVX2 ? 256 : 0;
}

static volatile float dipp_sink;

#define DIPP_CHAINS(T, SET1, FMA, body_end)                                                        \
    T b = SET1(1.0000001f), c = SET1(1e-7f);                                                      \
    T a0 = SET1(0), a1 = SET1(1), a2 = SET1(2), a3 = SET1(3), a4 = SET1(4), a5 = SET1(5);          \
    T a6 = SET1(6), a7 = SET1(7), a8 = SET1(8), a9 = SET1(9), a10 = SET1(10), a11 = SET1(11);     \
    for (int64_t i = 0; i < n; i++) {                                                              \
        a0 = FMA(a0, b, c); a1 = FMA(a1, b, c); a2 = FMA(a2, b, c); a3 = FMA(a3, b, c);            \
        a4 = FMA(a4, b, c); a5 = FMA(a5, b, c); a6 = FMA(a6, b, c); a7 = FMA(a7, b, c);            \
        a8 = FMA(a8, b, c); a9 = FMA(a9, b, c); a10 = FMA(a10, b, c); a11 = FMA(a11, b, c);        \
        __asm__ volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5),         \
                         "+v"(a6), "+v"(a7), "+v"(a8), "+v"(a9), "+v"(a10), "+v"(a11));            \
    }                                                                                              \
    body_end

__attribute__((target("avx512f"))) static void fma_chains_512(int64_t n) {
    DIPP_CHAINS(__m512, _mm512_set1_ps, _mm512_fmadd_ps, {
        __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
                                 _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
        s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11)));
        dipp_sink = _mm512_reduce_add_ps(s);
    })
}

__attribute__((target("avx2,fma"))) static void fma_chains_256(int64_t n) {
    DIPP_CHAINS(__m256, _mm256_set1_ps, _mm256_fmadd_ps, {
        __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                                 _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
        s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
        float out[8];
        _mm256_storeu_ps(out, s);
        dipp_sink = out[0];
    })
}

typedef struct { int width; int64_t iterations; } peak_job;

static void *peak_worker(void *arg) {
    peak_job *job = (peak_job *)arg;
    if (job->width == 512) fma_chains_512(job->iterations);
    else if (job->width == 256) fma_chains_256(job->iterations);
    return 0;
}

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

double dipp_fma_peak_gflops(int threads, int64_t iterations) {
    int width = dipp_fma_width();
    if (width == 0 || threads < 1 || threads > 256) return 0.0;
    pthread_t ids[256];
    peak_job job = {width, iterations};
    double start = now_seconds();
    for (int t = 0; t < threads; t++) pthread_create(&ids[t], 0, peak_worker, &job);
    for (int t = 0; t < threads; t++) pthread_join(ids[t], 0);
    double elapsed = now_seconds() - start;
    double lanes = width / 32.0;
    return (double)threads * (double)iterations * 12.0 * lanes * 2.0 / elapsed / 1e9;
}

/* libgomp's entry point for `#pragma omp parallel` (its stable ABI): runs fn(data) on a team of
 * num_threads threads, the calling thread included — the same pool oneDNN's GEMMs run on. */
void GOMP_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned flags);
int omp_get_thread_num(void);
int omp_get_num_threads(void);

struct dipp_chunk_job {
    dipp_chunk_body body;
    void *context;
    int64_t count, size;
    int chunks;
};

static void dipp_chunk_worker(void *data) {
    const struct dipp_chunk_job *job = data;
    int threads = omp_get_num_threads();
    for (int chunk = omp_get_thread_num(); chunk < job->chunks; chunk += threads) {
        int64_t begin = (int64_t)chunk * job->size;
        int64_t end = begin + job->size < job->count ? begin + job->size : job->count;
        if (begin < end) job->body(job->context, begin, end);
    }
}

void dipp_parallel_chunks(int64_t count, int chunks, dipp_chunk_body body, void *context) {
    if (count <= 0) return;
    if (chunks <= 1) {
        body(context, 0, count);
        return;
    }
    struct dipp_chunk_job job = {body, context, count, (count + chunks - 1) / chunks, chunks};
    GOMP_parallel(dipp_chunk_worker, &job, (unsigned)chunks, 0);
}

/* oneDNN's bf16 GEMM (exported by libdnnl 2.x, not declared in its public header). */
extern dnnl_status_t dnnl_gemm_bf16bf16f32(char transa, char transb, dnnl_dim_t m, dnnl_dim_t n, dnnl_dim_t k, float alpha,
                                           const uint16_t *a, dnnl_dim_t lda, const uint16_t *b, dnnl_dim_t ldb,
                                           float beta, float *c, dnnl_dim_t ldc);

/* The three bf16 conversions, row by row: fp32 → bf16, fp32 → fp32 rounded to bf16, bf16 → fp32. */
enum dipp_conversion { DIPP_TO_BF16, DIPP_ROUND_BF16, DIPP_WIDEN_BF16 };

struct dipp_conversion_rows {
    const void *src;
    void *dst;
    int64_t cols, ld;
    enum dipp_conversion kind;
};

/* bfloat16 values widened to fp32 (exact). */
static void dipp_widen_bf16(const uint16_t *x, float *y, int64_t n) {
    uint32_t *bits = (uint32_t *)y;
    for (int64_t i = 0; i < n; i++) bits[i] = (uint32_t)x[i] << 16;
}

static void dipp_conversion_rows_body(void *context, int64_t begin, int64_t end) {
    const struct dipp_conversion_rows *job = context;
    for (int64_t r = begin; r < end; r++) {
        switch (job->kind) {
        case DIPP_TO_BF16:
            dipp_float_to_bf16((const float *)job->src + r * job->ld, (uint16_t *)job->dst + r * job->cols, job->cols);
            break;
        case DIPP_ROUND_BF16:
            dipp_round_bf16((const float *)job->src + r * job->ld, (float *)job->dst + r * job->cols, job->cols);
            break;
        case DIPP_WIDEN_BF16:
            dipp_widen_bf16((const uint16_t *)job->src + r * job->ld, (float *)job->dst + r * job->cols, job->cols);
            break;
        }
    }
}

/* rows × cols of x (leading dimension ld) converted into dense y, on the GEMM threads when large
 * enough to gain. */
static void dipp_convert(const void *x, void *y, int64_t rows, int64_t cols, int64_t ld, enum dipp_conversion kind) {
    struct dipp_conversion_rows job = {x, y, cols, ld, kind};
    /* Dense: one long row, split into rows of 4096 so that the threads share it. */
    if (ld == cols && rows * cols > 4096) {
        int64_t count = rows * cols, tail = count % 4096;
        if (tail) {   /* the last `tail` values, as one row of their own */
            size_t src_bytes = kind == DIPP_WIDEN_BF16 ? 2 : 4, dst_bytes = kind == DIPP_TO_BF16 ? 2 : 4;
            struct dipp_conversion_rows last = {(const char *)x + (count - tail) * src_bytes, (char *)y + (count - tail) * dst_bytes,
                                                tail, tail, kind};
            dipp_conversion_rows_body(&last, 0, 1);
        }
        rows = count / 4096;
        job.cols = job.ld = 4096;
    }
    int threads = omp_get_max_threads();
    int64_t worthwhile = rows * job.cols / (1 << 15);
    dipp_parallel_chunks(rows, (int)(worthwhile < threads ? (worthwhile < 1 ? 1 : worthwhile) : threads), dipp_conversion_rows_body, &job);
}

void dipp_to_bf16(const float *x, uint16_t *y, int64_t rows, int64_t cols, int64_t ld) { dipp_convert(x, y, rows, cols, ld, DIPP_TO_BF16); }

void dipp_round_bf16_parallel(const float *x, float *y, int64_t n) { dipp_convert(x, y, 1, n, n, DIPP_ROUND_BF16); }

/* A scratch buffer of this thread's, grown to at least `bytes` (NULL if that fails). Slots 0 and
 * 1 hold the two operands of a product. */
static void *dipp_scratch(int slot, size_t bytes) {
    static __thread void *buffers[2];
    static __thread size_t capacity[2];
    if (bytes > capacity[slot]) {
        free(buffers[slot]);
        buffers[slot] = malloc(bytes);
        capacity[slot] = buffers[slot] ? bytes : 0;
    }
    return buffers[slot];
}

int dipp_gemm_bf16_rounded(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                           const uint16_t *a, const uint16_t *b, float beta, float *c, int64_t ldc) {
    if (m == 0 || n == 0) return 0;
    if (k == 0) {   /* an empty sum: C ← βC (β = 0 overwrites, NaN included) */
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < n; j++) c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j];
        return 0;
    }
    int64_t a_cols = trans_a ? m : k, b_cols = trans_b ? k : n;
    if (a_cols < 1) a_cols = 1;
    if (b_cols < 1) b_cols = 1;
    if (dipp_bf16_gemm_native())
        return (int)dnnl_gemm_bf16bf16f32(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, alpha, a, a_cols, b, b_cols, beta, c, ldc);
    /* Emulated: the same rounded operands, multiplied in fp32. */
    float *a32 = dipp_scratch(0, (size_t)(m * k) * sizeof(float)), *b32 = dipp_scratch(1, (size_t)(k * n) * sizeof(float));
    if (!a32 || !b32) return -1001;
    dipp_convert(a, a32, 1, m * k, m * k, DIPP_WIDEN_BF16);
    dipp_convert(b, b32, 1, k * n, k * n, DIPP_WIDEN_BF16);
    return dipp_sgemm(trans_a, trans_b, m, n, k, alpha, a32, a_cols, b32, b_cols, beta, c, ldc);
}

/* rows × cols of `src` (leading dimension ld) rounded to bfloat16 into a dense buffer of this
 * thread's: bf16 values for oneDNN's bf16 GEMM, or the same values widened to fp32 where it
 * emulates (`widened`). */
static void *dipp_rounded_operand(const float *src, int64_t rows, int64_t cols, int64_t ld, int slot, int widened) {
    size_t count = (size_t)rows * (size_t)cols;
    void *buffer = dipp_scratch(slot, count * (widened ? sizeof(float) : sizeof(uint16_t)));
    if (!buffer) return NULL;
    dipp_convert(src, buffer, rows, cols, ld, widened ? DIPP_ROUND_BF16 : DIPP_TO_BF16);
    return buffer;
}

int dipp_gemm_bf16(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                   const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
                   float *c, int64_t ldc) {
    if (m == 0 || n == 0 || k == 0) return dipp_gemm_bf16_rounded(trans_a, trans_b, m, n, k, alpha, NULL, NULL, beta, c, ldc);
    int native = dipp_bf16_gemm_native();
    int64_t a_rows = trans_a ? k : m, a_cols = trans_a ? m : k, b_rows = trans_b ? n : k, b_cols = trans_b ? k : n;
    void *a16 = dipp_rounded_operand(a, a_rows, a_cols, lda, 0, !native);
    void *b16 = dipp_rounded_operand(b, b_rows, b_cols, ldb, 1, !native);
    if (!a16 || !b16) return -1001;
    if (native) return dipp_gemm_bf16_rounded(trans_a, trans_b, m, n, k, alpha, a16, b16, beta, c, ldc);
    return dipp_sgemm(trans_a, trans_b, m, n, k, alpha, a16, a_cols > 0 ? a_cols : 1, b16, b_cols > 0 ? b_cols : 1, beta, c, ldc);
}
