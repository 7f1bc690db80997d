/* Fixture: an affine generator x = W z + b (z ∈ R⁴, x ∈ R⁸, unconditional) whose backward gets
 * ∂L/∂W right but ∂L/∂b twice too large. Everything else is correct, so the validator must
 * fail exactly its "vjp" check. */
#include "broken_generator.h"
#include <stdio.h>
#include <string.h>

enum { Z = 4, X = 8, COUNT = X * Z + X };
static const int64_t latent_shape[1] = {Z};
static const int64_t sample_shape[1] = {X};
static const dipp_generator_descriptor descriptor = {
    sizeof(dipp_generator_descriptor), "dipp.fixture.broken-generator-vjp", "affine generator with a wrong VJP", "1.0.0",
    1, latent_shape, 1, sample_shape, 0, 0, NULL, DIPP_THREADS_SAFE, 1};
static int token;

static const dipp_generator_descriptor *describe(void) { return &descriptor; }

static dipp_status create(const double *values, uint32_t count, void **instance, char *error, size_t size) {
    (void)values;
    if (!instance || count > 0) { if (error && size) snprintf(error, size, "no hyper-parameters"); return DIPP_ERROR_INVALID_ARGUMENT; }
    *instance = &token;
    return DIPP_OK;
}

static void destroy(void *instance) { (void)instance; }
static int64_t parameter_count(const void *instance) { (void)instance; return COUNT; }

static dipp_status init_params(void *instance, uint64_t seed, float *params, int64_t count, char *error, size_t size) {
    (void)instance;
    if (!params || count != COUNT) { if (error && size) snprintf(error, size, "bad buffer"); return DIPP_ERROR_INVALID_ARGUMENT; }
    uint64_t state = seed * 6364136223846793005ull + 1442695040888963407ull;
    for (int i = 0; i < COUNT; i++) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        params[i] = (float)((double)(state >> 40) / (double)(1ull << 24) - 0.5);
    }
    return DIPP_OK;
}

static dipp_status forward(void *instance, const float *params, const float *z, const int32_t *conditions, int64_t batch, float *x,
                           char *error, size_t size) {
    (void)instance; (void)conditions;
    if (!params || !z || !x || batch < 0) { if (error && size) snprintf(error, size, "bad arguments"); return DIPP_ERROR_INVALID_ARGUMENT; }
    for (int64_t n = 0; n < batch; n++)
        for (int i = 0; i < X; i++) {
            float acc = params[X * Z + i];
            for (int j = 0; j < Z; j++) acc += params[i * Z + j] * z[n * Z + j];
            x[n * X + i] = acc;
        }
    return DIPP_OK;
}

static dipp_status backward(void *instance, const float *params, const float *z, const int32_t *conditions, int64_t batch, const float *v,
                            float *params_grad, float *z_grad, char *error, size_t size) {
    (void)instance; (void)conditions;
    if (!params || !z || !v || !params_grad || batch < 0) { if (error && size) snprintf(error, size, "bad arguments"); return DIPP_ERROR_INVALID_ARGUMENT; }
    memset(params_grad, 0, COUNT * sizeof(float));
    for (int64_t n = 0; n < batch; n++) {
        for (int i = 0; i < X; i++) {
            for (int j = 0; j < Z; j++) params_grad[i * Z + j] += v[n * X + i] * z[n * Z + j];
            params_grad[X * Z + i] += 2 * v[n * X + i]; /* the defect: should be 1 × v */
        }
        if (z_grad)
            for (int j = 0; j < Z; j++) {
                float acc = 0;
                for (int i = 0; i < X; i++) acc += params[i * Z + j] * v[n * X + i];
                z_grad[n * Z + j] = acc;
            }
    }
    return DIPP_OK;
}

static const dipp_generator_v1 table = {sizeof(dipp_generator_v1), describe, create, destroy, parameter_count, init_params, forward, backward};

static const void *get_capability(const char *id) { return id && strcmp(id, DIPP_GENERATOR_CAPABILITY) == 0 ? &table : NULL; }

static const dipp_plugin_info entry = {sizeof(dipp_plugin_info), DIPP_ABI_MAJOR, DIPP_ABI_MINOR,
                                        "dipp.fixture.broken-generator-vjp", "Broken generator VJP", "1.0.0", get_capability};

__attribute__((visibility("default"))) const dipp_plugin_info *dipp_plugin_entry(uint32_t host_abi_major) {
    return host_abi_major == DIPP_ABI_MAJOR ? &entry : NULL;
}
