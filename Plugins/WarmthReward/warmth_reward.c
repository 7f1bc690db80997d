/* A reward plugin in C for text-to-3D renders: the warmth of a [3, 16, 16] RGB image in [-1, 1],
 * red over blue, averaged over the pixels P = 256:
 *
 *   r(x) = (scale / 2P) Σ_p (R_p - B_p)        ∂r/∂R_p = scale / 2P,  ∂r/∂B_p = -scale / 2P
 *
 * Background pixels are white (R = B) and contribute 0, so only the object's colour moves r.
 * Hyper-parameter `scale` multiplies r (default 1). Stateless apart from that: thread-safe and
 * deterministic. */
#include "warmth_reward.h"
#include <stdio.h>
#include <stdlib.h>

enum { side = 16, pixels = side * side, values = 3 * pixels };

typedef struct { double scale; } warmth_instance;

static const int64_t shape[3] = {3, side, side};
static const dipp_hyperparameter parameters[1] = {
    {sizeof(dipp_hyperparameter), "scale", "multiplies the reward", 1.0, 0.0, 1000.0}};
static const dipp_reward_descriptor descriptor = {
    sizeof(dipp_reward_descriptor), "dipp.example.warmth", "warmth of a 16x16 RGB render", "1.0.0",
    3, shape, 1, parameters, DIPP_THREADS_SAFE, 1};

static const dipp_reward_descriptor *describe(void) { return &descriptor; }

static void message(char *error, size_t size, const char *text) {
    if (error && size) snprintf(error, size, "%s", text);
}

static dipp_status create(const double *values_in, uint32_t count, void **instance, char *error, size_t size) {
    double scale = count > 0 && values_in ? values_in[0] : parameters[0].default_value;
    if (!instance) { message(error, size, "instance pointer is NULL"); return DIPP_ERROR_INVALID_ARGUMENT; }
    if (!(scale >= parameters[0].minimum && scale <= parameters[0].maximum)) {
        message(error, size, "scale must be in [0, 1000]");
        return DIPP_ERROR_INVALID_ARGUMENT;
    }
    warmth_instance *made = malloc(sizeof *made);
    if (!made) { message(error, size, "out of memory"); return DIPP_ERROR_INTERNAL; }
    made->scale = scale;
    *instance = made;
    return DIPP_OK;
}

static void destroy(void *instance) { free(instance); }

static dipp_status evaluate(void *instance, const float *x, int64_t batch, float *rewards, float *gradients,
                            char *error, size_t size) {
    if (!instance || !x || !rewards || batch < 0) { message(error, size, "NULL buffer or negative batch"); return DIPP_ERROR_INVALID_ARGUMENT; }
    double scale = ((warmth_instance *)instance)->scale, weight = scale / (2.0 * pixels);
    for (int64_t n = 0; n < batch; n++) {
        const float *red = x + n * values, *blue = red + 2 * pixels;
        double total = 0;
        for (int p = 0; p < pixels; p++) total += (double)red[p] - (double)blue[p];
        rewards[n] = (float)(weight * total);
        if (gradients) {
            float *g = gradients + n * values;
            for (int p = 0; p < pixels; p++) { g[p] = (float)weight; g[pixels + p] = 0; g[2 * pixels + p] = (float)-weight; }
        }
    }
    return DIPP_OK;
}

static dipp_status reward(void *instance, const float *x, const int32_t *conditions, int64_t batch, float *rewards,
                          char *error, size_t size) {
    (void)conditions;
    return evaluate(instance, x, batch, rewards, NULL, error, size);
}

static dipp_status reward_grad(void *instance, const float *x, const int32_t *conditions, int64_t batch, float *rewards,
                               float *gradients, char *error, size_t size) {
    (void)conditions;
    if (!gradients) { message(error, size, "gradient buffer is NULL"); return DIPP_ERROR_INVALID_ARGUMENT; }
    return evaluate(instance, x, batch, rewards, gradients, error, size);
}

static const dipp_reward_v1 table = {sizeof(dipp_reward_v1), describe, create, destroy, reward, reward_grad};

static const void *get_capability(const char *id) {
    const char *want = DIPP_REWARD_CAPABILITY;
    if (!id) return NULL;
    for (int i = 0;; i++) {
        if (id[i] != want[i]) return NULL;
        if (id[i] == 0) return &table;
    }
}

static const dipp_plugin_info entry = {sizeof(dipp_plugin_info), DIPP_ABI_MAJOR, DIPP_ABI_MINOR,
                                        "dipp.example.warmth", "Warmth reward (C)", "1.0.0", get_capability};

__attribute__((visibility("default"))) const dipp_plugin_info *dipp_plugin_entry(uint32_t host_abi_major) {
    return host_abi_major == DIPP_ABI_MAJOR ? &entry : NULL;
}
