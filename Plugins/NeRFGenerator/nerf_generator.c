/* A generator plugin in C for text-to-3D: a NeRF-style field — an MLP on a positional encoding —
 * ray-marched from the camera each sample carries (ABI 1.1 conditions), with a hand-written VJP.
 *
 *   field      γ(p) = (p, sin(2^l π p), cos(2^l π p))_{l < L}          p ∈ [−1, 1]³, P = 3 + 6L
 *              h₁ = silu(W₁γ + b₁), h₂ = silu(W₂h₁ + b₂), o = W₃h₂ + b₃    o ∈ R⁴, width H
 *              σ = s·softplus(o₀ + blob(p)), c = sigmoid(o₁…₃)        blob(p) = 4(1 − |p|/0.5) − 2
 *   camera     the host's 2-vector (a/π, e/(π/2)) on DIPP's rig: distance 3, vertical field of view
 *              0.7, looking at the origin, up = +z (DIPPRender.Camera; elevation clamped to ±1.4)
 *   rendering  16×16 rays clipped to the box [−1, 1]³, N bin centres, δ = chord/N,
 *              α_k = 1 − e^{−σ_k δ}, T_k = e^{−Σ_{j<k} σ_j δ}, w_k = T_k α_k,
 *              C = Σ_k w_k c_k + (1 − Σ_k w_k)·1 (white), x = 2C − 1 ∈ [−1, 1]   → x: [3, 16, 16]
 *   VJP        with g = ∂L/∂C and suffix sums S_k = Σ_{j>k} w_j c_j, W_k = Σ_{j>k} w_j:
 *              ∂L/∂c_k = w_k g,   ∂L/∂τ_k = gᵀ(T_{k+1} c_k − S_k) − (T_{k+1} − W_k)·gᵀ1    (τ = σδ)
 *              then back through the MLP per point; z (one unused value) gets 0.
 *
 * It also answers "dipp.field/1" (σ and c at any points), so the host can measure the field and
 * mesh it. The blob is threestudio's density bias: the field starts as a fuzzy ball. θ is one flat float
 * array owned by the host; forward/backward keep no state (scratch per call): thread-safe and
 * deterministic. Hyper-parameters: width H, frequencies L, samples N, density scale s. */
#include "nerf_generator.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SIDE = 16, PIXELS = SIDE * SIDE, VALUES = 3 * PIXELS };
static const double DISTANCE = 3.0, FIELD_OF_VIEW = 0.7;

static const int64_t latent_shape[1] = {1};
static const int64_t sample_shape[3] = {3, SIDE, SIDE};
static const dipp_hyperparameter hyperparameters[4] = {
    {sizeof(dipp_hyperparameter), "width", "width H of the two hidden layers", 32, 4, 256},
    {sizeof(dipp_hyperparameter), "frequencies", "octaves L of the positional encoding", 4, 0, 8},
    {sizeof(dipp_hyperparameter), "samples", "samples N along each ray", 24, 2, 128},
    {sizeof(dipp_hyperparameter), "density_scale", "s in σ = s·softplus(o₀ + blob)", 20, 0.1, 1000}};
static const dipp_generator_descriptor descriptor = {
    sizeof(dipp_generator_descriptor), "dipp.example.nerf-generator", "NeRF-style 3-D field rendered at 16x16", "1.0.0",
    1, latent_shape, 3, sample_shape, 0, 4, hyperparameters, DIPP_THREADS_SAFE, 1, 0, 2};

typedef struct {
    int h, l, n, p;
    double scale;
    size_t W1, b1, W2, b2, W3, b3, total;
} nerf;

static const dipp_generator_descriptor *describe(void) { return &descriptor; }

static void message(char *error, size_t size, const char *text) {
    if (error && size) snprintf(error, size, "%s", text);
}

static dipp_status create(const double *values, uint32_t count, void **instance, char *error, size_t size) {
    if (!instance || (count > 0 && !values)) { message(error, size, "NULL instance or hyper-parameter pointer"); return DIPP_ERROR_INVALID_ARGUMENT; }
    double v[4];
    for (int i = 0; i < 4; i++) {
        v[i] = i < (int)count ? values[i] : hyperparameters[i].default_value;
        int integer = i < 3;
        if (!(v[i] >= hyperparameters[i].minimum && v[i] <= hyperparameters[i].maximum) || (integer && v[i] != floor(v[i]))) {
            if (error && size) snprintf(error, size, "%s must be %s in [%g, %g]", hyperparameters[i].name, integer ? "an integer" : "a number",
                                        hyperparameters[i].minimum, hyperparameters[i].maximum);
            return DIPP_ERROR_INVALID_ARGUMENT;
        }
    }
    nerf *m = malloc(sizeof *m);
    if (!m) { message(error, size, "out of memory"); return DIPP_ERROR_INTERNAL; }
    m->h = (int)v[0]; m->l = (int)v[1]; m->n = (int)v[2]; m->scale = v[3];
    m->p = 3 + 6 * m->l;
    size_t at = 0;
    m->W1 = at; at += (size_t)m->h * m->p; m->b1 = at; at += m->h;
    m->W2 = at; at += (size_t)m->h * m->h; m->b2 = at; at += m->h;
    m->W3 = at; at += 4 * (size_t)m->h; m->b3 = at; at += 4;
    m->total = at;
    *instance = m;
    return DIPP_OK;
}

static void destroy(void *instance) { free(instance); }

static int64_t parameter_count(const void *instance) { return instance ? (int64_t)((const nerf *)instance)->total : -1; }

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

/* Matrices N(0, 1/fan_in), biases 0. */
static dipp_status init_params(void *instance, uint64_t seed, float *params, int64_t count, char *error, size_t size) {
    if (!instance || !params) { message(error, size, "NULL instance or parameter buffer"); return DIPP_ERROR_INVALID_ARGUMENT; }
    const nerf *m = instance;
    if (count != (int64_t)m->total) { message(error, size, "count differs from parameter_count"); return DIPP_ERROR_INVALID_ARGUMENT; }
    uint64_t state = seed ^ 0x3D3Dull;
    memset(params, 0, m->total * sizeof(float));
    for (size_t i = 0; i < (size_t)m->h * m->p; i++) params[m->W1 + i] = (float)(normal(&state) / sqrt(m->p));
    for (size_t i = 0; i < (size_t)m->h * m->h; i++) params[m->W2 + i] = (float)(normal(&state) / sqrt(m->h));
    for (size_t i = 0; i < 4 * (size_t)m->h; i++) params[m->W3 + i] = (float)(normal(&state) / sqrt(m->h));
    return DIPP_OK;
}

static double sigmoid(double x) { return 1 / (1 + exp(-x)); }
static double softplus(double x) { return x > 20 ? x : log1p(exp(x)); }

/* What one point's forward pass keeps for the backward pass. */
typedef struct { double *gamma, *a1, *h1, *a2, *h2, o[4], density, colour[3], blob; } point;

/* The MLP at p (camera-independent). */
static void field(const nerf *m, const float *theta, const double p[3], point *q) {
    int h = m->h, pe = m->p;
    for (int a = 0; a < 3; a++) q->gamma[a] = p[a];
    for (int l = 0; l < m->l; l++) {
        double f = ldexp(M_PI, l);
        for (int a = 0; a < 3; a++) { q->gamma[3 + 6 * l + a] = sin(f * p[a]); q->gamma[6 + 6 * l + a] = cos(f * p[a]); }
    }
    for (int i = 0; i < h; i++) {
        double s = theta[m->b1 + i];
        for (int j = 0; j < pe; j++) s += theta[m->W1 + (size_t)i * pe + j] * q->gamma[j];
        q->a1[i] = s; q->h1[i] = s * sigmoid(s);
    }
    for (int i = 0; i < h; i++) {
        double s = theta[m->b2 + i];
        for (int j = 0; j < h; j++) s += theta[m->W2 + (size_t)i * h + j] * q->h1[j];
        q->a2[i] = s; q->h2[i] = s * sigmoid(s);
    }
    for (int k = 0; k < 4; k++) {
        double s = theta[m->b3 + k];
        for (int j = 0; j < h; j++) s += theta[m->W3 + (size_t)k * h + j] * q->h2[j];
        q->o[k] = s;
    }
    q->blob = 4 * (1 - sqrt(p[0] * p[0] + p[1] * p[1] + p[2] * p[2]) / 0.5) - 2;
    q->density = m->scale * softplus(q->o[0] + q->blob);
    for (int c = 0; c < 3; c++) q->colour[c] = sigmoid(q->o[1 + c]);
}

/* Accumulates vᵀ∂(σ, c)/∂θ at one point into grad, given ∂L/∂σ and ∂L/∂c. */
static void field_backward(const nerf *m, const float *theta, const point *q, double d_density, const double d_colour[3],
                           float *grad, double *scratch) {
    int h = m->h, pe = m->p;
    double d_o[4] = {d_density * m->scale * sigmoid(q->o[0] + q->blob)};
    for (int c = 0; c < 3; c++) d_o[1 + c] = d_colour[c] * q->colour[c] * (1 - q->colour[c]);
    double *d_a2 = scratch, *d_a1 = scratch + h;
    for (int k = 0; k < 4; k++) {
        grad[m->b3 + k] += (float)d_o[k];
        for (int j = 0; j < h; j++) grad[m->W3 + (size_t)k * h + j] += (float)(d_o[k] * q->h2[j]);
    }
    for (int j = 0; j < h; j++) {
        double d_h2 = 0;
        for (int k = 0; k < 4; k++) d_h2 += theta[m->W3 + (size_t)k * h + j] * d_o[k];
        double s = sigmoid(q->a2[j]);
        d_a2[j] = d_h2 * (s + q->a2[j] * s * (1 - s));
        grad[m->b2 + j] += (float)d_a2[j];
    }
    for (int i = 0; i < h; i++) for (int j = 0; j < h; j++) grad[m->W2 + (size_t)i * h + j] += (float)(d_a2[i] * q->h1[j]);
    for (int j = 0; j < h; j++) {
        double d_h1 = 0;
        for (int i = 0; i < h; i++) d_h1 += theta[m->W2 + (size_t)i * h + j] * d_a2[i];
        double s = sigmoid(q->a1[j]);
        d_a1[j] = d_h1 * (s + q->a1[j] * s * (1 - s));
        grad[m->b1 + j] += (float)d_a1[j];
    }
    for (int i = 0; i < h; i++) for (int j = 0; j < pe; j++) grad[m->W1 + (size_t)i * pe + j] += (float)(d_a1[i] * q->gamma[j]);
}

/* The camera's origin and the unit direction of pixel `pixel` (DIPPRender.Camera's formulas). */
static void ray(const float *camera, int pixel, double origin[3], double direction[3]) {
    double a = camera[0] * M_PI, e = camera[1] * M_PI / 2;
    if (e > 1.4) e = 1.4;
    if (e < -1.4) e = -1.4;
    double o[3] = {DISTANCE * cos(e) * cos(a), DISTANCE * cos(e) * sin(a), DISTANCE * sin(e)};
    double f[3] = {-o[0] / DISTANCE, -o[1] / DISTANCE, -o[2] / DISTANCE};
    double s[3] = {f[1], -f[0], 0};   /* f × ẑ */
    double ls = sqrt(s[0] * s[0] + s[1] * s[1]);
    for (int k = 0; k < 3; k++) s[k] /= ls;
    double u[3] = {s[1] * f[2] - s[2] * f[1], s[2] * f[0] - s[0] * f[2], s[0] * f[1] - s[1] * f[0]};
    double t = tan(FIELD_OF_VIEW / 2), i = pixel / SIDE, j = pixel % SIDE;
    double px = (2 * (j + 0.5) / SIDE - 1) * t, py = (1 - 2 * (i + 0.5) / SIDE) * t, d[3], n = 0;
    for (int k = 0; k < 3; k++) { d[k] = f[k] + px * s[k] + py * u[k]; n += d[k] * d[k]; }
    for (int k = 0; k < 3; k++) { origin[k] = o[k]; direction[k] = d[k] / sqrt(n); }
}

/* [near, far] of the ray inside [−1, 1]³ (slab method); 0 when it misses. */
static int box_interval(const double o[3], const double d[3], double *near, double *far) {
    double lo = 0, hi = INFINITY;
    for (int a = 0; a < 3; a++) {
        if (fabs(d[a]) < 1e-9) { if (fabs(o[a]) > 1) return 0; continue; }
        double t1 = (-1 - o[a]) / d[a], t2 = (1 - o[a]) / d[a];
        if (t1 > t2) { double t = t1; t1 = t2; t2 = t; }
        if (t1 > lo) lo = t1;
        if (t2 < hi) hi = t2;
    }
    *near = lo; *far = hi;
    return hi > lo;
}

/* Renders (and, with v, back-propagates) every sample of the batch. */
static dipp_status run(const nerf *m, const float *theta, const dipp_conditions *c, float *x, const float *v, float *grad,
                       char *error, size_t size) {
    if (!m || !theta || !c || (!x && !v)) { message(error, size, "NULL instance, parameters, conditions or output"); return DIPP_ERROR_INVALID_ARGUMENT; }
    if (c->batch < 0) { message(error, size, "negative batch"); return DIPP_ERROR_INVALID_ARGUMENT; }
    if (c->camera_dimension != 2 || (c->batch > 0 && !c->camera)) {
        message(error, size, "this generator renders from a camera: conditions need camera_dimension 2 (azimuth/π, elevation/(π/2))");
        return DIPP_ERROR_INVALID_ARGUMENT;
    }
    int n = m->n, h = m->h, pe = m->p;
    size_t per_point = (size_t)pe + 4 * h;
    double *memory = malloc(sizeof(double) * ((size_t)n * (per_point + 4) + 2 * h));
    point *points = malloc(sizeof(point) * (size_t)n);
    if (!memory || !points) { free(memory); free(points); message(error, size, "out of memory"); return DIPP_ERROR_INTERNAL; }
    for (int k = 0; k < n; k++) {
        double *base = memory + (size_t)k * per_point;
        points[k].gamma = base; points[k].a1 = base + pe; points[k].h1 = base + pe + h;
        points[k].a2 = base + pe + 2 * h; points[k].h2 = base + pe + 3 * h;
    }
    double *transmittance = memory + (size_t)n * per_point, *alpha = transmittance + n, *weight = alpha + n;
    double *scratch = memory + (size_t)n * (per_point + 4);
    if (grad) memset(grad, 0, m->total * sizeof(float));
    for (int64_t b = 0; b < c->batch; b++) {
        const float *camera = c->camera + 2 * b;
        for (int pixel = 0; pixel < PIXELS; pixel++) {
            double o[3], d[3], near, far, rgb[3] = {0, 0, 0}, opacity = 0;
            ray(camera, pixel, o, d);
            int hit = box_interval(o, d, &near, &far);
            double delta = hit ? (far - near) / n : 0, optical = 0;
            for (int k = 0; k < n && hit; k++) {
                double t = near + (k + 0.5) * delta, p[3] = {o[0] + t * d[0], o[1] + t * d[1], o[2] + t * d[2]};
                field(m, theta, p, &points[k]);
                double tau = points[k].density * delta;
                transmittance[k] = exp(-optical);
                alpha[k] = 1 - exp(-tau);
                weight[k] = transmittance[k] * alpha[k];
                optical += tau;
                opacity += weight[k];
                for (int ch = 0; ch < 3; ch++) rgb[ch] += weight[k] * points[k].colour[ch];
            }
            if (x) for (int ch = 0; ch < 3; ch++) x[b * VALUES + ch * PIXELS + pixel] = (float)(2 * (rgb[ch] + 1 - opacity) - 1);
            if (!v || !hit) continue;
            double g[3], gsum = 0, suffix_rgb[3] = {0, 0, 0}, suffix_weight = 0;
            for (int ch = 0; ch < 3; ch++) { g[ch] = 2.0 * v[b * VALUES + ch * PIXELS + pixel]; gsum += g[ch]; }
            for (int k = n - 1; k >= 0; k--) {
                double next_t = transmittance[k] * (1 - alpha[k]), d_tau = -(next_t - suffix_weight) * gsum, d_colour[3];
                for (int ch = 0; ch < 3; ch++) {
                    d_tau += g[ch] * (next_t * points[k].colour[ch] - suffix_rgb[ch]);
                    d_colour[ch] = weight[k] * g[ch];
                }
                field_backward(m, theta, &points[k], d_tau * delta, d_colour, grad, scratch);
                for (int ch = 0; ch < 3; ch++) suffix_rgb[ch] += weight[k] * points[k].colour[ch];
                suffix_weight += weight[k];
            }
        }
    }
    free(memory);
    free(points);
    return DIPP_OK;
}

static dipp_status forward_conditions(void *instance, const float *params, const float *z, const dipp_conditions *conditions, float *x,
                                      char *error, size_t size) {
    (void)z;
    if (!x) { message(error, size, "NULL output"); return DIPP_ERROR_INVALID_ARGUMENT; }
    return run(instance, params, conditions, x, NULL, NULL, error, size);
}

static dipp_status backward_conditions(void *instance, const float *params, const float *z, const dipp_conditions *conditions,
                                       const float *v, float *params_grad, float *z_grad, char *error, size_t size) {
    (void)z;
    if (!v || !params_grad) { message(error, size, "NULL v or gradient buffer"); return DIPP_ERROR_INVALID_ARGUMENT; }
    dipp_status status = run(instance, params, conditions, NULL, v, params_grad, error, size);
    if (status == DIPP_OK && z_grad && conditions) memset(z_grad, 0, sizeof(float) * (size_t)conditions->batch);
    return status;
}

/* ABI 1.0's label-only calls: no camera, so refused with the reason. */
static dipp_status forward(void *instance, const float *params, const float *z, const int32_t *labels, int64_t batch, float *x,
                           char *error, size_t size) {
    (void)instance; (void)params; (void)z; (void)labels; (void)batch; (void)x;
    message(error, size, "this generator needs cameras: the host must call forward_conditions (ABI 1.1)");
    return DIPP_ERROR_INVALID_ARGUMENT;
}

static dipp_status backward(void *instance, const float *params, const float *z, const int32_t *labels, int64_t batch, const float *v,
                            float *params_grad, float *z_grad, char *error, size_t size) {
    (void)instance; (void)params; (void)z; (void)labels; (void)batch; (void)v; (void)params_grad; (void)z_grad;
    message(error, size, "this generator needs cameras: the host must call backward_conditions (ABI 1.1)");
    return DIPP_ERROR_INVALID_ARGUMENT;
}

/* dipp.field/1: σ and c at arbitrary points (the host's IoU, mesh and field file). */
static dipp_status density_colour(void *instance, const float *params, const float *points, int64_t count, float *density, float *colour,
                                  char *error, size_t size) {
    const nerf *m = instance;
    if (!m || !params || count < 0 || (count > 0 && (!points || !density || !colour))) {
        message(error, size, "NULL instance or buffer, or negative count");
        return DIPP_ERROR_INVALID_ARGUMENT;
    }
    double *memory = malloc(sizeof(double) * ((size_t)m->p + 4 * m->h));
    if (!memory) { message(error, size, "out of memory"); return DIPP_ERROR_INTERNAL; }
    point q = {memory, memory + m->p, memory + m->p + m->h, memory + m->p + 2 * m->h, memory + m->p + 3 * m->h};
    for (int64_t i = 0; i < count; i++) {
        double p[3] = {points[3 * i], points[3 * i + 1], points[3 * i + 2]};
        field(m, params, p, &q);
        density[i] = (float)q.density;
        for (int c = 0; c < 3; c++) colour[3 * i + c] = (float)q.colour[c];
    }
    free(memory);
    return DIPP_OK;
}

static const dipp_generator_v1 table = {sizeof(dipp_generator_v1), describe, create, destroy, parameter_count, init_params,
                                        forward, backward, forward_conditions, backward_conditions};
static const dipp_field_v1 field_table = {sizeof(dipp_field_v1), density_colour};

static const void *get_capability(const char *id) {
    if (!id) return NULL;
    if (strcmp(id, DIPP_GENERATOR_CAPABILITY) == 0) return &table;
    if (strcmp(id, DIPP_FIELD_CAPABILITY) == 0) return &field_table;
    return NULL;
}

static const dipp_plugin_info entry = {sizeof(dipp_plugin_info), DIPP_ABI_MAJOR, DIPP_ABI_MINOR,
                                        "dipp.example.nerf-generator", "NeRF-style generator (C)", "1.0.0", get_capability};

__attribute__((visibility("default"))) const dipp_plugin_info *dipp_plugin_entry(uint32_t host_abi_major) {
    return host_abi_major == DIPP_ABI_MAJOR ? &entry : NULL;
}
