/* A generator plugin in C: a StyleGAN-like mapping network + style-modulated synthesis MLP that
 * makes 8x8 digits (64 values) from a 16-dimensional latent and a class label.
 *
 *   mapping     u  = [pixelnorm(z); E[c]]                 z ∈ R¹⁶, E: (K+1)×16, row K = "no label"
 *               w  = silu(M₂ silu(M₁u + m₁) + m₂)          w ∈ Rˢ   (S = style_dim)
 *   synthesis   h₀ = C₀                                    a learned constant, R^W (W = width)
 *               hₗ = silu(Wₗ (sₗ ⊙ hₗ₋₁) + bₗ),  sₗ = Aₗw + aₗ   for l = 1, 2 (per-layer styles)
 *               x  = O h₂ + o                              x ∈ R⁶⁴
 *
 * pixelnorm(z) = z / √(mean(z²) + 1e-8). StyleGAN's leaky ReLU is replaced by SiLU so that the
 * hand-written VJP below agrees with central finite differences everywhere (no kinks).
 * θ is one flat float array owned by the host, laid out in the order of `layout` below.
 * forward/backward keep no state between calls (scratch memory is per call): thread-safe and
 * deterministic. */
#include "style_generator.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { LATENT = 16, EMBED = 16, PIXELS = 64, CLASSES = 10 };

static const int64_t latent_shape[1] = {LATENT};
static const int64_t sample_shape[1] = {PIXELS};
static const dipp_hyperparameter hyperparameters[2] = {
    {sizeof(dipp_hyperparameter), "style_dim", "size S of the style vector w", 64, 4, 1024},
    {sizeof(dipp_hyperparameter), "width", "width W of the synthesis layers", 128, 4, 2048}};
static const dipp_generator_descriptor descriptor = {
    sizeof(dipp_generator_descriptor), "dipp.example.style-generator", "StyleGAN-like 8x8 digit generator", "1.0.0",
    1, latent_shape, 1, sample_shape, CLASSES, 2, hyperparameters, DIPP_THREADS_SAFE, 1};

/* Offsets of each tensor in θ. */
typedef struct {
    int s, w;
    size_t E, M1, m1, M2, m2, C0, A1, a1, W1, b1, A2, a2, W2, b2, O, o, total;
} layout;

static layout make_layout(int s, int w) {
    layout l = {s, w, 0};
    size_t at = 0;
#define TAKE(field, n) l.field = at; at += (size_t)(n)
    TAKE(E, (CLASSES + 1) * EMBED);
    TAKE(M1, s * (LATENT + EMBED)); TAKE(m1, s);
    TAKE(M2, s * s); TAKE(m2, s);
    TAKE(C0, w);
    TAKE(A1, w * s); TAKE(a1, w); TAKE(W1, w * w); TAKE(b1, w);
    TAKE(A2, w * s); TAKE(a2, w); TAKE(W2, w * w); TAKE(b2, w);
    TAKE(O, PIXELS * w); TAKE(o, PIXELS);
#undef TAKE
    l.total = at;
    return l;
}

static const dipp_generator_descriptor *describe(void) { return &descriptor; }

static void message(char *error, size_t size, const char *text) {
    if (error && size) snprintf(error, size, "%s", text);
}

static dipp_status create(const double *values, uint32_t count, void **instance, char *error, size_t size) {
    if (!instance || (count > 0 && !values)) { message(error, size, "NULL instance or hyper-parameter pointer"); return DIPP_ERROR_INVALID_ARGUMENT; }
    double v[2];
    for (int i = 0; i < 2; i++) {
        v[i] = i < (int)count ? values[i] : hyperparameters[i].default_value;
        if (!(v[i] >= hyperparameters[i].minimum && v[i] <= hyperparameters[i].maximum) || v[i] != floor(v[i])) {
            if (error && size) snprintf(error, size, "%s must be an integer in [%g, %g]", hyperparameters[i].name,
                                        hyperparameters[i].minimum, hyperparameters[i].maximum);
            return DIPP_ERROR_INVALID_ARGUMENT;
        }
    }
    layout *made = malloc(sizeof *made);
    if (!made) { message(error, size, "out of memory"); return DIPP_ERROR_INTERNAL; }
    *made = make_layout((int)v[0], (int)v[1]);
    *instance = made;
    return DIPP_OK;
}

static void destroy(void *instance) { free(instance); }

static int64_t parameter_count(const void *instance) { return instance ? (int64_t)((const layout *)instance)->total : -1; }

/* splitmix64 → uniform → Box-Muller: reproducible normals from a seed. */
static uint64_t next(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double normal(uint64_t *state) {
    double u1 = ((next(state) >> 11) + 1.0) / 9007199254740993.0, u2 = (next(state) >> 11) / 9007199254740992.0;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static void fill(float *p, size_t n, double scale, double shift, uint64_t *state) {
    for (size_t i = 0; i < n; i++) p[i] = (float)(shift + scale * normal(state));
}

/* Matrices N(0, 1/fan_in), biases 0, style biases 1 (sₗ ≈ 1 at the start), E and C₀ N(0, 1). */
static dipp_status init_params(void *instance, uint64_t seed, float *params, int64_t count, char *error, size_t size) {
    if (!instance || !params) { message(error, size, "NULL instance or parameter buffer"); return DIPP_ERROR_INVALID_ARGUMENT; }
    const layout *l = instance;
    if (count != (int64_t)l->total) { message(error, size, "count differs from parameter_count"); return DIPP_ERROR_INVALID_ARGUMENT; }
    uint64_t state = seed ^ 0x5EEDull;
    int s = l->s, w = l->w;
    memset(params, 0, l->total * sizeof(float));
    fill(params + l->E, (CLASSES + 1) * EMBED, 1, 0, &state);
    fill(params + l->M1, (size_t)s * (LATENT + EMBED), 1 / sqrt(LATENT + EMBED), 0, &state);
    fill(params + l->M2, (size_t)s * s, 1 / sqrt(s), 0, &state);
    fill(params + l->C0, w, 1, 0, &state);
    fill(params + l->A1, (size_t)w * s, 1 / sqrt(s), 0, &state);
    fill(params + l->a1, w, 0, 1, &state);
    fill(params + l->W1, (size_t)w * w, 1 / sqrt(w), 0, &state);
    fill(params + l->A2, (size_t)w * s, 1 / sqrt(s), 0, &state);
    fill(params + l->a2, w, 0, 1, &state);
    fill(params + l->W2, (size_t)w * w, 1 / sqrt(w), 0, &state);
    fill(params + l->O, (size_t)PIXELS * w, 1 / sqrt(w), 0, &state);
    return DIPP_OK;
}

static float sigmoid(float a) { return 1.0f / (1.0f + expf(-a)); }
static float silu(float a) { return a * sigmoid(a); }
static float silu_grad(float a) { float s = sigmoid(a); return s * (1.0f + a * (1.0f - s)); }

/* y = M x + b, M row-major [rows][cols]. */
static void affine(const float *M, const float *b, const float *x, int rows, int cols, float *y) {
    for (int i = 0; i < rows; i++) {
        float acc = b ? b[i] : 0.0f;
        const float *row = M + (size_t)i * cols;
        for (int j = 0; j < cols; j++) acc += row[j] * x[j];
        y[i] = acc;
    }
}

/* Given g = ∂L/∂y for y = M x + b: dM += g xᵀ, db += g, gx = Mᵀ g (gx may be NULL). */
static void affine_vjp(const float *M, const float *x, const float *g, int rows, int cols, float *dM, float *db, float *gx) {
    if (gx) memset(gx, 0, (size_t)cols * sizeof(float));
    for (int i = 0; i < rows; i++) {
        const float *row = M + (size_t)i * cols;
        float *drow = dM + (size_t)i * cols;
        for (int j = 0; j < cols; j++) drow[j] += g[i] * x[j];
        if (db) db[i] += g[i];
        if (gx) for (int j = 0; j < cols; j++) gx[j] += row[j] * g[i];
    }
}

/* One sample's activations (all pre-activations kept for the VJP). */
typedef struct {
    float *zn, *u, *a1, *h, *a2, *w, *s1, *in1, *y1, *h1, *s2, *in2, *y2, *h2;
    float norm;  /* 1/√(mean(z²)+ε) */
} activations;

static float *scratch_alloc(const layout *l, activations *t) {
    int s = l->s, w = l->w;
    size_t n = LATENT + (LATENT + EMBED) + 4 * (size_t)s + 10 * (size_t)w;
    float *block = malloc(n * sizeof(float));
    if (!block) return NULL;
    float *at = block;
#define CARVE(field, k) t->field = at; at += (k)
    CARVE(zn, LATENT); CARVE(u, LATENT + EMBED); CARVE(a1, s); CARVE(h, s); CARVE(a2, s); CARVE(w, s);
    CARVE(s1, w); CARVE(in1, w); CARVE(y1, w); CARVE(h1, w); CARVE(s2, w); CARVE(in2, w); CARVE(y2, w); CARVE(h2, w);
#undef CARVE
    return block;
}

static void forward_one(const layout *l, const float *p, const float *z, int32_t label, activations *t, float *x) {
    int s = l->s, w = l->w;
    double sq = 0;
    for (int i = 0; i < LATENT; i++) sq += (double)z[i] * z[i];
    t->norm = (float)(1.0 / sqrt(sq / LATENT + 1e-8));
    for (int i = 0; i < LATENT; i++) t->u[i] = t->zn[i] = z[i] * t->norm;
    const float *e = p + l->E + (size_t)(label < 0 ? CLASSES : label) * EMBED;
    memcpy(t->u + LATENT, e, EMBED * sizeof(float));
    affine(p + l->M1, p + l->m1, t->u, s, LATENT + EMBED, t->a1);
    for (int i = 0; i < s; i++) t->h[i] = silu(t->a1[i]);
    affine(p + l->M2, p + l->m2, t->h, s, s, t->a2);
    for (int i = 0; i < s; i++) t->w[i] = silu(t->a2[i]);
    affine(p + l->A1, p + l->a1, t->w, w, s, t->s1);
    for (int i = 0; i < w; i++) t->in1[i] = t->s1[i] * p[l->C0 + i];
    affine(p + l->W1, p + l->b1, t->in1, w, w, t->y1);
    for (int i = 0; i < w; i++) t->h1[i] = silu(t->y1[i]);
    affine(p + l->A2, p + l->a2, t->w, w, s, t->s2);
    for (int i = 0; i < w; i++) t->in2[i] = t->s2[i] * t->h1[i];
    affine(p + l->W2, p + l->b2, t->in2, w, w, t->y2);
    for (int i = 0; i < w; i++) t->h2[i] = silu(t->y2[i]);
    affine(p + l->O, p + l->o, t->h2, PIXELS, w, x);
}

static dipp_status check_call(const layout *l, const float *params, const float *z, const int32_t *conditions, int64_t batch,
                              const void *out, char *error, size_t size) {
    if (!l || !params || !z || !out || batch < 0) { message(error, size, "NULL buffer or negative batch"); return DIPP_ERROR_INVALID_ARGUMENT; }
    for (int64_t n = 0; conditions && n < batch; n++) {
        if (conditions[n] < -1 || conditions[n] >= CLASSES) {
            if (error && size) snprintf(error, size, "label %d of sample %lld is outside -1…%d", conditions[n], (long long)n, CLASSES - 1);
            return DIPP_ERROR_INVALID_ARGUMENT;
        }
    }
    return DIPP_OK;
}

static dipp_status forward(void *instance, const float *params, const float *z, const int32_t *conditions, int64_t batch, float *x,
                           char *error, size_t size) {
    const layout *l = instance;
    dipp_status status = check_call(l, params, z, conditions, batch, x, error, size);
    if (status != DIPP_OK) return status;
    activations t;
    float *block = scratch_alloc(l, &t);
    if (!block) { message(error, size, "out of memory"); return DIPP_ERROR_INTERNAL; }
    for (int64_t n = 0; n < batch; n++)
        forward_one(l, params, z + n * LATENT, conditions ? conditions[n] : -1, &t, x + n * PIXELS);
    free(block);
    return DIPP_OK;
}

static dipp_status backward(void *instance, const float *params, const float *z, const int32_t *conditions, int64_t batch,
                            const float *v, float *params_grad, float *z_grad, char *error, size_t size) {
    const layout *l = instance;
    dipp_status status = check_call(l, params, z, conditions, batch, params_grad, error, size);
    if (status != DIPP_OK) return status;
    if (!v) { message(error, size, "NULL v"); return DIPP_ERROR_INVALID_ARGUMENT; }
    int s = l->s, w = l->w;
    activations t;
    float *block = scratch_alloc(l, &t);
    float *g = malloc((4 * (size_t)w + 3 * (size_t)s + LATENT + EMBED + PIXELS) * sizeof(float));
    if (!block || !g) { free(block); free(g); message(error, size, "out of memory"); return DIPP_ERROR_INTERNAL; }
    float *gh2 = g, *gy = g + w, *gin = g + 2 * w, *gs = g + 3 * w, *gw = g + 4 * w, *ga = gw + s, *gh = ga + s, *gu = gh + s,
          *x = gu + LATENT + EMBED;
    const float *p = params;
    float *d = params_grad;
    memset(d, 0, l->total * sizeof(float));
    for (int64_t n = 0; n < batch; n++) {
        int32_t label = conditions ? conditions[n] : -1;
        forward_one(l, p, z + n * LATENT, label, &t, x);
        const float *gx = v + n * PIXELS;
        /* x = O h₂ + o */
        affine_vjp(p + l->O, t.h2, gx, PIXELS, w, d + l->O, d + l->o, gh2);
        /* h₂ = silu(W₂ (s₂ ⊙ h₁) + b₂) */
        for (int i = 0; i < w; i++) gy[i] = gh2[i] * silu_grad(t.y2[i]);
        affine_vjp(p + l->W2, t.in2, gy, w, w, d + l->W2, d + l->b2, gin);
        for (int i = 0; i < w; i++) { gs[i] = gin[i] * t.h1[i]; gh2[i] = gin[i] * t.s2[i]; }  /* gh2 now holds ∂L/∂h₁ */
        affine_vjp(p + l->A2, t.w, gs, w, s, d + l->A2, d + l->a2, gw);
        /* h₁ = silu(W₁ (s₁ ⊙ C₀) + b₁) */
        for (int i = 0; i < w; i++) gy[i] = gh2[i] * silu_grad(t.y1[i]);
        affine_vjp(p + l->W1, t.in1, gy, w, w, d + l->W1, d + l->b1, gin);
        for (int i = 0; i < w; i++) { gs[i] = gin[i] * p[l->C0 + i]; d[l->C0 + i] += gin[i] * t.s1[i]; }
        affine_vjp(p + l->A1, t.w, gs, w, s, d + l->A1, d + l->a1, ga);
        for (int i = 0; i < s; i++) gw[i] += ga[i];
        /* mapping: w = silu(M₂ silu(M₁u + m₁) + m₂) */
        for (int i = 0; i < s; i++) ga[i] = gw[i] * silu_grad(t.a2[i]);
        affine_vjp(p + l->M2, t.h, ga, s, s, d + l->M2, d + l->m2, gh);
        for (int i = 0; i < s; i++) ga[i] = gh[i] * silu_grad(t.a1[i]);
        affine_vjp(p + l->M1, t.u, ga, s, LATENT + EMBED, d + l->M1, d + l->m1, gu);
        float *dE = d + l->E + (size_t)(label < 0 ? CLASSES : label) * EMBED;
        for (int i = 0; i < EMBED; i++) dE[i] += gu[LATENT + i];
        if (z_grad) {
            /* zn = z·r, r = (mean(z²)+ε)^(-1/2):  ∂L/∂z = r·g − z·r³·(g·z)/LATENT */
            const float *zs = z + n * LATENT;
            double dot = 0;
            for (int i = 0; i < LATENT; i++) dot += (double)gu[i] * zs[i];
            double r = t.norm;
            for (int i = 0; i < LATENT; i++) z_grad[n * LATENT + i] = (float)(r * gu[i] - zs[i] * r * r * r * dot / LATENT);
        }
    }
    free(block);
    free(g);
    return DIPP_OK;
}

static const dipp_generator_v1 table = {sizeof(dipp_generator_v1), describe, create, destroy, parameter_count, init_params, forward, backward};

static const void *get_capability(const char *id) {
    return id && strcmp(id, DIPP_GENERATOR_CAPABILITY) == 0 ? &table : NULL;
}

static const dipp_plugin_info entry = {sizeof(dipp_plugin_info), DIPP_ABI_MAJOR, DIPP_ABI_MINOR,
                                        "dipp.example.style-generator", "StyleGAN-like generator (C)", "1.0.0", get_capability};

__attribute__((visibility("default"))) const dipp_plugin_info *dipp_plugin_entry(uint32_t host_abi_major) {
    return host_abi_major == DIPP_ABI_MAJOR ? &entry : NULL;
}
