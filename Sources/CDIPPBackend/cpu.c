/* The one place that knows the CPU: its instruction-set level, capped by DIPP_MAX_ISA, the
 * element-wise kernels chosen for that level, and what oneDNN can create here.
 *
 * The level is read once, by a constructor that runs before main: CPUID (through the
 * compiler's __builtin_cpu_supports, which also checks that the OS saves the vector state) for
 * the native level, then DIPP_MAX_ISA. The same constructor caps oneDNN with
 * dnnl_set_max_cpu_isa, which must happen before its first primitive. What oneDNN can create
 * (bf16 GEMM, bf16 and Winograd convolutions) is asked once, on first use, by trying it. */
#include "dipp_backend.h"
#include <cpuid.h>
#include <dnnl.h>
#include <dnnl_debug.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const isa_names[] = {"baseline", "avx2", "avx512", "avx512_bf16", "amx"};

const char *dipp_isa_name(int isa) {
    return isa >= DIPP_ISA_BASELINE && isa <= DIPP_ISA_AMX ? isa_names[isa] : "unknown";
}

int dipp_isa_from_name(const char *name) {
    for (int i = DIPP_ISA_BASELINE; i <= DIPP_ISA_AMX; i++)
        if (strcasecmp(name, isa_names[i]) == 0) return i;
    return -1;
}

static dipp_cpu_info info;

/* Bit `bit` of register `reg` (0 EAX … 3 EDX) of CPUID leaf 7, sub-leaf `sub`. */
static int leaf7(unsigned sub, int reg, int bit) {
    unsigned r[4] = {0, 0, 0, 0};
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, sub, r[0], r[1], r[2], r[3]);
    return (int)((r[reg] >> bit) & 1u);
}

static void probe_features(void) {
    __builtin_cpu_init();
    info.avx2 = __builtin_cpu_supports("avx2");
    info.fma = __builtin_cpu_supports("fma");
    info.avx512f = __builtin_cpu_supports("avx512f");
    info.avx512bw = __builtin_cpu_supports("avx512bw");
    int avx512 = info.avx512f && info.avx512bw && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
    /* AVX512-BF16 is CPUID.(7,1):EAX[5]; AMX-BF16 CPUID.(7,0):EDX[22] with AMX-TILE EDX[24], counted
     * only where the OS saves the AVX-512 state (the avx512f test above). The `amx` level is the
     * CPU's: DIPP's own kernels use no AMX, and oneDNN asks the OS for the tile state itself. */
    info.avx512_bf16 = avx512 && leaf7(1, 0, 5);
    info.amx = avx512 && leaf7(0, 3, 22) && leaf7(0, 3, 24);
    info.native_isa = info.amx ? DIPP_ISA_AMX
                    : info.avx512_bf16 ? DIPP_ISA_AVX512_BF16
                    : avx512 ? DIPP_ISA_AVX512
                    : info.avx2 && info.fma ? DIPP_ISA_AVX2 : DIPP_ISA_BASELINE;
}

/* oneDNN's ISA for a DIPP level (a cap at `amx` caps nothing). */
static dnnl_cpu_isa_t onednn_isa(int isa) {
    switch (isa) {
    case DIPP_ISA_BASELINE: return dnnl_cpu_isa_sse41;
    case DIPP_ISA_AVX2: return dnnl_cpu_isa_avx2;
    case DIPP_ISA_AVX512: return dnnl_cpu_isa_avx512_core;
    case DIPP_ISA_AVX512_BF16: return dnnl_cpu_isa_avx512_core_bf16;
    default: return dnnl_cpu_isa_all;
    }
}

void dipp_select_kernels(int isa);

__attribute__((constructor)) static void dipp_probe_cpu(void) {
    probe_features();
    info.isa = info.native_isa;
    info.cap = -1;
    const char *cap = getenv("DIPP_MAX_ISA");
    if (cap && *cap) {
        int level = dipp_isa_from_name(cap);
        if (level < 0) {
            info.cap_invalid = 1;
            snprintf(info.cap_text, sizeof info.cap_text, "%s", cap);
            fprintf(stderr, "warning: DIPP_MAX_ISA='%s' names no level (baseline, avx2, avx512, avx512_bf16, amx): ignored\n", cap);
        } else {
            info.cap = level;
            if (level < info.isa) info.isa = level;
            if (level < DIPP_ISA_AMX) info.onednn_cap_status = (int)dnnl_set_max_cpu_isa(onednn_isa(level));
        }
    }
    dipp_select_kernels(info.isa);
}

/* Whether oneDNN's bf16 GEMM runs here: a 1×1×1 product (it answers `unimplemented` without
 * AVX-512, or under a cap below it). */
static void probe_onednn(void) {
    uint16_t one = 0x3f80; /* 1.0 in bfloat16 */
    float c = 0;
    extern dnnl_status_t dnnl_gemm_bf16bf16f32(char, char, dnnl_dim_t, dnnl_dim_t, dnnl_dim_t, float, const uint16_t *, dnnl_dim_t,
                                               const uint16_t *, dnnl_dim_t, float, float *, dnnl_dim_t);
    info.bf16_gemm = dnnl_gemm_bf16bf16f32('N', 'N', 1, 1, 1, 1.0f, &one, 1, &one, 1, 0.0f, &c, 1) == dnnl_success && c == 1.0f;
    int status = 0;
    dipp_conv *conv = dipp_conv_create(1, 16, 8, 8, 16, 3, 3, 1, 1, 1, 0, 1, 0, &status);
    info.bf16_conv = conv && !dipp_conv_emulates_bf16(conv);
    dipp_conv_destroy(conv);
    conv = dipp_conv_create(1, 16, 8, 8, 16, 3, 3, 1, 1, 1, 0, 0, 1, &status);
    info.winograd = conv != NULL;
    dipp_conv_destroy(conv);
    info.onednn_isa = (int)dnnl_get_effective_cpu_isa();
}

static pthread_once_t onednn_once = PTHREAD_ONCE_INIT;

const dipp_cpu_info *dipp_cpu(void) {
    pthread_once(&onednn_once, probe_onednn);
    return &info;
}

int dipp_bf16_gemm_native(void) { return dipp_cpu()->bf16_gemm; }

int dipp_isa(void) { return info.isa; }

const char *dipp_onednn_isa_name(void) { return dnnl_cpu_isa2str((dnnl_cpu_isa_t)dipp_cpu()->onednn_isa); }

void dipp_onednn_version(int *major, int *minor, int *patch) {
    const dnnl_version_t *v = dnnl_version();
    *major = v->major;
    *minor = v->minor;
    *patch = v->patch;
}
