/* Broken reward plugins for the validator's tests: one template, one defect per fixture.
 * A fixture defines BROKEN_MODE before including this header:
 *   BROKEN_NAN, BROKEN_WRONG_GRADIENT, BROKEN_SEGFAULT, BROKEN_HANG, BROKEN_WRONG_MAJOR,
 *   BROKEN_SMALL_TABLE, BROKEN_ACCEPTS_ANYTHING (declares a hyper-parameter in [0, 1] and
 *   never checks it), BROKEN_OVERFLOW (writes one reward past the end of the host's buffer),
 *   BROKEN_ALLOCATES (allocates without bound, then uses the NULL malloc returns). Otherwise it is a correct reward r(x) = -Σ x²/d over 4-vectors.
 * FIXTURE_ABI_1_0 builds the tables exactly as a plugin compiled against ABI 1.0 had them:
 * version 1.0's struct sizes and abi_minor 0 (the host must read nothing past them). */
#ifndef BROKEN_REWARD_H
#define BROKEN_REWARD_H
#include <dipp_plugin.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int64_t fixture_shape[1] = {4};
#if defined(BROKEN_ACCEPTS_ANYTHING)
static const dipp_hyperparameter fixture_hyperparameters[1] = {
    {sizeof(dipp_hyperparameter), "scale", "declared, never checked", 1.0, 0.0, 1.0}};
#define FIXTURE_HYPERPARAMETERS 1, fixture_hyperparameters
#else
#define FIXTURE_HYPERPARAMETERS 0, NULL
#endif
#if defined(FIXTURE_ABI_1_0)
#define FIXTURE_DESCRIPTOR_SIZE offsetof(dipp_reward_descriptor, text_dimension)
#define FIXTURE_TABLE_SIZE DIPP_REWARD_V1_0_SIZE
#define FIXTURE_ABI_MINOR 0
#else
#define FIXTURE_DESCRIPTOR_SIZE sizeof(dipp_reward_descriptor)
#define FIXTURE_TABLE_SIZE sizeof(dipp_reward_v1)
#define FIXTURE_ABI_MINOR DIPP_ABI_MINOR
#endif
static const dipp_reward_descriptor fixture_descriptor = {
    FIXTURE_DESCRIPTOR_SIZE, "dipp.fixture.broken", "broken fixture", "0.0.1", 1, fixture_shape, FIXTURE_HYPERPARAMETERS,
    DIPP_THREADS_SAFE, 1};
static int fixture_instance_token;

static const dipp_reward_descriptor *fixture_describe(void) { return &fixture_descriptor; }

static dipp_status fixture_create(const double *values, uint32_t count, void **instance, char *error, size_t size) {
    (void)values;
#if !defined(BROKEN_ACCEPTS_ANYTHING)
    if (count > 0) { snprintf(error, size, "this reward takes no hyper-parameters"); return DIPP_ERROR_INVALID_ARGUMENT; }
#endif
    *instance = &fixture_instance_token;
    return DIPP_OK;
}

static void fixture_destroy(void *instance) { (void)instance; }

static dipp_status fixture_reward_grad(void *instance, const float *x, const int32_t *conditions, int64_t batch,
                                       float *rewards, float *gradients, char *error, size_t size) {
    (void)instance; (void)conditions;
    if (!x || !rewards || batch < 0) { snprintf(error, size, "NULL buffer or negative batch"); return DIPP_ERROR_INVALID_ARGUMENT; }
#if defined(BROKEN_SEGFAULT)
    *(volatile int *)0 = 1;          /* a real segmentation fault */
#elif defined(BROKEN_HANG)
    for (volatile int spin = 0;; spin = spin + 0) {}
#elif defined(BROKEN_OVERFLOW)
    rewards[batch] = 0;              /* one float past the end */
#elif defined(BROKEN_ALLOCATES)
    for (;;) {                       /* a leak in a loop, and no NULL check */
        static char *volatile kept;
        char *block = malloc(1 << 20);
        memset(block, 1, 1 << 20);
        kept = block;
    }
#endif
    for (int64_t n = 0; n < batch; n++) {
        float total = 0;
        for (int i = 0; i < 4; i++) total += x[n * 4 + i] * x[n * 4 + i];
        rewards[n] = -total / 4;
        for (int i = 0; i < 4 && gradients; i++) {
#if defined(BROKEN_WRONG_GRADIENT)
            gradients[n * 4 + i] = x[n * 4 + i] / 2;     /* sign flipped */
#else
            gradients[n * 4 + i] = -x[n * 4 + i] / 2;
#endif
        }
#if defined(BROKEN_NAN)
        rewards[n] = NAN;
#endif
    }
    return DIPP_OK;
}

static dipp_status fixture_reward(void *instance, const float *x, const int32_t *conditions, int64_t batch, float *rewards,
                                  char *error, size_t size) {
    return fixture_reward_grad(instance, x, conditions, batch, rewards, NULL, error, size);
}

static const dipp_reward_v1 fixture_table = {
#if defined(BROKEN_SMALL_TABLE)
    8,
#else
    FIXTURE_TABLE_SIZE,
#endif
    fixture_describe, fixture_create, fixture_destroy, fixture_reward, fixture_reward_grad};

static const void *fixture_capability(const char *id) {
    const char *want = DIPP_REWARD_CAPABILITY;
    for (int i = 0; id; i++) {
        if (id[i] != want[i]) return NULL;
        if (id[i] == 0) return &fixture_table;
    }
    return NULL;
}

static const dipp_plugin_info fixture_info = {sizeof(dipp_plugin_info),
#if defined(BROKEN_WRONG_MAJOR)
    DIPP_ABI_MAJOR + 1,
#else
    DIPP_ABI_MAJOR,
#endif
    FIXTURE_ABI_MINOR, "dipp.fixture.broken", "broken fixture", "0.0.1", fixture_capability};

__attribute__((visibility("default"))) const dipp_plugin_info *dipp_plugin_entry(uint32_t host_abi_major) {
#if defined(BROKEN_WRONG_MAJOR)
    (void)host_abi_major;
    return &fixture_info;       /* ignores the negotiation and claims major 2 */
#else
    return host_abi_major == DIPP_ABI_MAJOR ? &fixture_info : NULL;
#endif
}
#endif
