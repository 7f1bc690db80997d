/* A reward plugin in C: left-right mirror symmetry of an 8x8 image (DIPP digits).
 *
 *   r(x) = -(1/32) Σ_{row, col<4} (x[row][col] - x[row][7-col])²      (0 = perfectly symmetric)
 *   ∂r/∂x[row][col] = -(1/16)(x[row][col] - x[row][7-col])             (by symmetry of the pair)
 *
 * Hyper-parameter `scale` multiplies r (default 1). Stateless apart from that: thread-safe and
 * deterministic. */
#include "symmetry_reward.h"
#include <stdio.h>
#include <stdlib.h>

typedef struct { double scale; } symmetry_instance;

static const int64_t shape[1] = {64};
static const dipp_hyperparameter parameters[1] = {
    {sizeof(dipp_hyperparameter), "scale", "multiplies the reward", 1.0, 0.0, 1000.0}};
static const dipp_reward_descriptor descriptor = {
    sizeof(dipp_reward_descriptor), "dipp.example.symmetry", "8x8 mirror symmetry", "1.0.0",
    1, shape, 1, parameters, DIPP_THREADS_SAFE, 1};

static const dipp_reward_descriptor *describe(void) { return &descriptor; }

static void message(char *error, size_t size, const char *text) {
    if (error && size) snprintf(error, size, "%s", text);
}

static dipp_status create(const double *values, uint32_t count, void **instance, char *error, size_t size) {
    double scale = count > 0 && values ? values[0] : parameters[0].default_value;
    if (!instance) { message(error, size, "instance pointer is NULL"); return DIPP_ERROR_INVALID_ARGUMENT; }
    if (!(scale >= parameters[0].minimum && scale <= parameters[0].maximum)) {
        message(error, size, "scale must be in [0, 1000]");
        return DIPP_ERROR_INVALID_ARGUMENT;
    }
    symmetry_instance *made = malloc(sizeof *made);
    if (!made) { message(error, size, "out of memory"); return DIPP_ERROR_INTERNAL; }
    made->scale = scale;
    *instance = made;
    return DIPP_OK;
}

static void destroy(void *instance) { free(instance); }

static dipp_status evaluate(void *instance, const float *x, int64_t batch, float *rewards, float *gradients,
                            char *error, size_t size) {
    if (!instance || !x || !rewards || batch < 0) { message(error, size, "NULL buffer or negative batch"); return DIPP_ERROR_INVALID_ARGUMENT; }
    double scale = ((symmetry_instance *)instance)->scale;
    for (int64_t n = 0; n < batch; n++) {
        const float *image = x + n * 64;
        double total = 0;
        for (int row = 0; row < 8; row++) {
            for (int col = 0; col < 8; col++) {
                double d = (double)image[row * 8 + col] - (double)image[row * 8 + 7 - col];
                if (col < 4) total += d * d;
                if (gradients) gradients[n * 64 + row * 8 + col] = (float)(-scale * d / 16.0);
            }
        }
        rewards[n] = (float)(-scale * total / 32.0);
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
                                        "dipp.example.symmetry", "Symmetry reward (C)", "1.0.0", get_capability};

__attribute__((visibility("default"))) const dipp_plugin_info *dipp_plugin_entry(uint32_t host_abi_major) {
    return host_abi_major == DIPP_ABI_MAJOR ? &entry : NULL;
}
