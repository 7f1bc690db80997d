/* An ABI 1.2 reward fixture that reads every condition modality, with a closed form the
 * tests check exactly. Samples are 4-vectors; conditions carry text [3] and camera [2], and
 * (1.2) optionally the prompt strings:
 *   r(x, c) = t·mean(x) + p₀·x₀ + 0.01·len(prompt),   t = Σ_j text_j (0 for a null sample),  p = camera
 *   ∂r/∂x_i = t/4 + [i = 0]·p₀.   (len = 0 without prompts, e.g. from a 1.1 host.)
 * Through the 1.0 entry points (labels only) it is r(x) = mean(x). */
#include <dipp_plugin.h>
#include <stdio.h>
#include <string.h>

static const int64_t shape[1] = {4};
static const dipp_reward_descriptor descriptor = {
    sizeof(dipp_reward_descriptor), "dipp.fixture.conditions", "conditions fixture", "1.1.0", 1, shape, 0, NULL,
    DIPP_THREADS_SAFE, 1, 3, 2};
static int token;

static const dipp_reward_descriptor *describe(void) { return &descriptor; }

static dipp_status create(const double *values, uint32_t count, void **instance, char *error, size_t size) {
    (void)values;
    if (count > 0) { snprintf(error, size, "this reward takes no hyper-parameters"); return DIPP_ERROR_INVALID_ARGUMENT; }
    *instance = &token;
    return DIPP_OK;
}

static void destroy(void *instance) { (void)instance; }

/* The shared body: text sum t and camera p0 per sample (arrays of length batch). */
static dipp_status evaluate(const float *x, int64_t batch, const float *t, const float *p0, const float *q, float *rewards,
                            float *gradients, char *error, size_t size) {
    if (!x || !rewards || batch < 0) { snprintf(error, size, "NULL buffer or negative batch"); return DIPP_ERROR_INVALID_ARGUMENT; }
    for (int64_t n = 0; n < batch; n++) {
        float mean = (x[n * 4] + x[n * 4 + 1] + x[n * 4 + 2] + x[n * 4 + 3]) / 4;
        float tn = t ? t[n] : 1, pn = p0 ? p0[n] : 0;
        rewards[n] = tn * mean + pn * x[n * 4] + (q ? q[n] : 0);
        for (int i = 0; i < 4 && gradients; i++) gradients[n * 4 + i] = tn / 4 + (i == 0 ? pn : 0);
    }
    return DIPP_OK;
}

static dipp_status reward_grad(void *instance, const float *x, const int32_t *labels, int64_t batch, float *rewards,
                               float *gradients, char *error, size_t size) {
    (void)instance; (void)labels;
    return evaluate(x, batch, NULL, NULL, NULL, rewards, gradients, error, size);
}

static dipp_status reward(void *instance, const float *x, const int32_t *labels, int64_t batch, float *rewards, char *error,
                          size_t size) {
    return reward_grad(instance, x, labels, batch, rewards, NULL, error, size);
}

enum { MAX_BATCH = 4096 };

static dipp_status reward_grad_conditions(void *instance, const float *x, const dipp_conditions *c, float *rewards,
                                          float *gradients, char *error, size_t size) {
    (void)instance;
    if (!c || c->struct_size < DIPP_CONDITIONS_V1_1_SIZE || c->batch < 0 || c->batch > MAX_BATCH || !c->null_mask) {
        snprintf(error, size, "malformed conditions");
        return DIPP_ERROR_INVALID_ARGUMENT;
    }
    if (c->text_dimension != 3 || !c->text_pooled || c->camera_dimension != 2 || !c->camera) {
        snprintf(error, size, "needs text [3] and camera [2], got text [%u] and camera [%u]", c->text_dimension, c->camera_dimension);
        return DIPP_ERROR_INVALID_ARGUMENT;
    }
    float t[MAX_BATCH], p0[MAX_BATCH], q[MAX_BATCH];
    const char *const *prompts = c->struct_size >= sizeof(dipp_conditions) ? c->prompts : NULL;
    for (int64_t n = 0; n < c->batch; n++) {
        q[n] = prompts && prompts[n] ? 0.01f * (float)strlen(prompts[n]) : 0;
        const float *text = c->text_pooled + n * 3;
        t[n] = c->null_mask[n] ? 0 : text[0] + text[1] + text[2];
        p0[n] = c->camera[n * 2];
    }
    return evaluate(x, c->batch, t, p0, q, rewards, gradients, error, size);
}

static dipp_status reward_conditions(void *instance, const float *x, const dipp_conditions *c, float *rewards, char *error,
                                     size_t size) {
    return reward_grad_conditions(instance, x, c, rewards, NULL, error, size);
}

static const dipp_reward_v1 table = {sizeof(dipp_reward_v1), describe, create, destroy, reward, reward_grad,
                                     reward_conditions, reward_grad_conditions};

static const void *capability(const char *id) {
    const char *want = DIPP_REWARD_CAPABILITY;
    for (int i = 0; id; i++) {
        if (id[i] != want[i]) return NULL;
        if (id[i] == 0) return &table;
    }
    return NULL;
}

static const dipp_plugin_info info = {sizeof(dipp_plugin_info), DIPP_ABI_MAJOR, DIPP_ABI_MINOR, "dipp.fixture.conditions",
                                      "conditions fixture", "1.2.0", capability};

__attribute__((visibility("default"))) const dipp_plugin_info *dipp_plugin_entry(uint32_t host_abi_major) {
    return host_abi_major == DIPP_ABI_MAJOR ? &info : NULL;
}
