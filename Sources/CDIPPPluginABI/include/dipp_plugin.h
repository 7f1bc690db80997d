/* DIPP plugin ABI, version 1.2 (C99). Shared by the host, the Swift plugin SDK and C/Rust plugins.
 *
 * Rules (the reference is Documentation/PluginABI.md):
 *  - One exported entry symbol, DIPP_PLUGIN_ENTRY_SYMBOL, called first with the host's major
 *    version; it returns NULL (unsupported major) or the plugin's entry table.
 *  - Capabilities are looked up by string id ("dipp.reward/1", …); unknown ids return NULL.
 *  - Every struct starts with its size in bytes and only grows at the end: a host reads only
 *    the fields the plugin's struct_size covers and refuses tables smaller than version 1.0's.
 *    Version 1.1 appended: dipp_conditions (labels, null mask, text, camera), the *_conditions
 *    entry points of both tables and the descriptors' text/camera dimensions. A 1.0 plugin
 *    (smaller tables, or NULL *_conditions) receives labels only, as before.
 *    Version 1.2 appended dipp_conditions.prompts (each sample's prompt text). A plugin reads a
 *    dipp_conditions field only when struct_size covers it: a 1.1 host sends the 1.1 size.
 *  - The host owns every tensor buffer (contiguous float32, batch-major) and every output
 *    buffer; the plugin only writes into them. The plugin owns its instances and its static
 *    descriptors and strings. Errors are status codes plus a message written into a
 *    caller-owned buffer; nothing unwinds across the boundary.
 */
#ifndef DIPP_PLUGIN_H
#define DIPP_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DIPP_ABI_MAJOR 1u
#define DIPP_ABI_MINOR 2u
#define DIPP_PLUGIN_ENTRY_SYMBOL "dipp_plugin_entry"
#define DIPP_REWARD_CAPABILITY "dipp.reward/1"
#define DIPP_GENERATOR_CAPABILITY "dipp.generator/1"
#define DIPP_FIELD_CAPABILITY "dipp.field/1"

typedef enum dipp_status {
    DIPP_OK = 0,
    DIPP_ERROR_INVALID_ARGUMENT = 1,   /* a bad pointer, size, condition or hyper-parameter */
    DIPP_ERROR_INTERNAL = 2,           /* the plugin failed; the message says why */
    DIPP_ERROR_UNSUPPORTED = 3         /* a valid request the plugin does not implement */
} dipp_status;

typedef enum dipp_thread_safety {
    DIPP_THREADS_NONE = 0,             /* one call at a time, process-wide */
    DIPP_THREADS_PER_INSTANCE = 1,     /* concurrent calls on different instances */
    DIPP_THREADS_SAFE = 2              /* concurrent calls on any instance */
} dipp_thread_safety;

/* A numeric hyper-parameter with its default and inclusive range. */
typedef struct dipp_hyperparameter {
    uint32_t struct_size;
    const char *name;
    const char *description;
    double default_value;
    double minimum;
    double maximum;
} dipp_hyperparameter;

/* What the entry symbol returns. */
typedef struct dipp_plugin_info {
    uint32_t struct_size;
    uint32_t abi_major;
    uint32_t abi_minor;
    const char *id;                    /* reverse-DNS style, e.g. "org.example.symmetry" */
    const char *name;
    const char *version;
    /* The capability table for `capability_id`, or NULL when the plugin does not provide it. */
    const void *(*get_capability)(const char *capability_id);
} dipp_plugin_info;

typedef const dipp_plugin_info *(*dipp_plugin_entry_function)(uint32_t host_abi_major);

/* ABI 1.1: the conditions of a batch, every modality. Labels and the null mask are always
 * present; text and camera are present when their dimension is > 0. A plugin reads only the
 * fields struct_size covers (later minors append fields). */
typedef struct dipp_conditions {
    uint32_t struct_size;
    int64_t batch;
    const int32_t *labels;             /* batch class labels, -1 = none */
    const uint8_t *null_mask;          /* batch flags, 1 = unconditional sample (CFG's null branch) */
    uint32_t text_dimension;           /* D: pooled text embedding size, 0 = no text */
    const float *text_pooled;          /* batch × D */
    uint32_t text_tokens;              /* T: token-level embedding length, 0 = none */
    const float *text_token_embeddings;/* batch × T × D */
    const float *text_token_mask;      /* batch × T: 1 = token, 0 = padding */
    uint32_t camera_dimension;         /* k: camera/pose vector size, 0 = no camera */
    const float *camera;               /* batch × k */
    /* 1.2 */
    const char *const *prompts;        /* batch NUL-terminated UTF-8 prompts ("" for a null sample); NULL when unknown */
} dipp_conditions;

/* The size of version 1.1's dipp_conditions (without prompts). */
#define DIPP_CONDITIONS_V1_1_SIZE offsetof(dipp_conditions, prompts)

/* "dipp.reward/1": r(x, c) per sample and its input-gradient. */
typedef struct dipp_reward_descriptor {
    uint32_t struct_size;
    const char *id;
    const char *name;
    const char *version;
    uint32_t sample_rank;              /* per-sample shape of x: sample_shape[0 … rank-1] */
    const int64_t *sample_shape;
    uint32_t hyperparameter_count;
    const dipp_hyperparameter *hyperparameters;
    uint32_t thread_safety;            /* dipp_thread_safety */
    uint32_t deterministic;            /* 1 when the same inputs always give the same outputs */
    /* ABI 1.1: the condition modalities the plugin reads through reward_conditions (0 = none). */
    uint32_t text_dimension;
    uint32_t camera_dimension;
} dipp_reward_descriptor;

typedef struct dipp_reward_v1 {
    uint32_t struct_size;
    const dipp_reward_descriptor *(*describe)(void);
    /* `hyperparameters` holds `count` values in the descriptor's order (count may be smaller:
     * missing ones take their defaults). */
    dipp_status (*create)(const double *hyperparameters, uint32_t count, void **instance,
                          char *error, size_t error_size);
    void (*destroy)(void *instance);
    /* x: batch × prod(sample_shape) floats; conditions: batch class labels (-1 = none);
     * rewards: batch floats (written). */
    dipp_status (*reward)(void *instance, const float *x, const int32_t *conditions, int64_t batch,
                          float *rewards, char *error, size_t error_size);
    /* As reward, plus gradients: batch × prod(sample_shape) floats, ∂r_i/∂x_i (written). */
    dipp_status (*reward_grad)(void *instance, const float *x, const int32_t *conditions, int64_t batch,
                               float *rewards, float *gradients, char *error, size_t error_size);
    /* ABI 1.1 (optional: NULL, or a table too small to hold them, means labels only): as reward
     * and reward_grad, with every condition modality; the batch is conditions->batch. */
    dipp_status (*reward_conditions)(void *instance, const float *x, const dipp_conditions *conditions,
                                     float *rewards, char *error, size_t error_size);
    dipp_status (*reward_grad_conditions)(void *instance, const float *x, const dipp_conditions *conditions,
                                          float *rewards, float *gradients, char *error, size_t error_size);
} dipp_reward_v1;

/* The size of version 1.0's table: hosts accept tables at least this large. */
#define DIPP_REWARD_V1_0_SIZE offsetof(dipp_reward_v1, reward_conditions)


/* "dipp.generator/1": x = g_θ(z, c) with θ owned by the host.
 *
 * The host allocates θ (parameter_count floats), fills it once with init_params, and from then
 * on Adam, EMA, checkpoints and resume work on that buffer; the plugin never keeps a copy.
 * forward and backward are pure functions of (θ, z, c): backward recomputes what it needs, so
 * an instance holds only hyper-parameters and the calls need no ordering. The per-sample
 * condition is one int32 class label (0 … class_count−1, or −1 for "no condition"). */
typedef struct dipp_generator_descriptor {
    uint32_t struct_size;
    const char *id;
    const char *name;
    const char *version;
    uint32_t latent_rank;              /* per-sample shape of z */
    const int64_t *latent_shape;
    uint32_t sample_rank;              /* per-sample shape of x */
    const int64_t *sample_shape;
    uint32_t class_count;              /* labels the generator understands; 0 = unconditional */
    uint32_t hyperparameter_count;
    const dipp_hyperparameter *hyperparameters;
    uint32_t thread_safety;            /* dipp_thread_safety */
    uint32_t deterministic;            /* 1 when the same inputs always give the same outputs */
    /* ABI 1.1: the condition modalities the plugin reads through forward_conditions (0 = none). */
    uint32_t text_dimension;
    uint32_t camera_dimension;
} dipp_generator_descriptor;

typedef struct dipp_generator_v1 {
    uint32_t struct_size;
    const dipp_generator_descriptor *(*describe)(void);
    dipp_status (*create)(const double *hyperparameters, uint32_t count, void **instance,
                          char *error, size_t error_size);
    void (*destroy)(void *instance);
    /* |θ| for this instance (it may depend on the hyper-parameters). */
    int64_t (*parameter_count)(const void *instance);
    /* Writes the initial θ (count floats, count == parameter_count) drawn from `seed`;
     * the same seed gives the same θ. */
    dipp_status (*init_params)(void *instance, uint64_t seed, float *params, int64_t count,
                               char *error, size_t error_size);
    /* z: batch × prod(latent_shape) floats; x: batch × prod(sample_shape) floats (written). */
    dipp_status (*forward)(void *instance, const float *params, const float *z, const int32_t *conditions,
                           int64_t batch, float *x, char *error, size_t error_size);
    /* The vector-Jacobian product for v = ∂L/∂x (batch × prod(sample_shape)):
     * params_grad = vᵀ ∂x/∂θ (parameter_count floats, written, not accumulated) and, when
     * z_grad is not NULL, z_grad = vᵀ ∂x/∂z (batch × prod(latent_shape) floats, written). */
    dipp_status (*backward)(void *instance, const float *params, const float *z, const int32_t *conditions,
                            int64_t batch, const float *v, float *params_grad, float *z_grad,
                            char *error, size_t error_size);
    /* ABI 1.1 (optional, as for rewards): forward and backward with every condition modality. */
    dipp_status (*forward_conditions)(void *instance, const float *params, const float *z,
                                      const dipp_conditions *conditions, float *x, char *error, size_t error_size);
    dipp_status (*backward_conditions)(void *instance, const float *params, const float *z,
                                       const dipp_conditions *conditions, const float *v, float *params_grad,
                                       float *z_grad, char *error, size_t error_size);
} dipp_generator_v1;

#define DIPP_GENERATOR_V1_0_SIZE offsetof(dipp_generator_v1, forward_conditions)

/* "dipp.field/1" (optional, next to dipp.generator/1): a generator whose samples are renders of a
 * 3-D field (text-to-3D) answers queries of the field itself, so the host can measure it against
 * a ground truth and extract a mesh. It takes the dipp.generator/1 instance and θ (pure, like
 * forward). points: count × 3 in [-1, 1]³; density: count values σ ≥ 0 (written); colour:
 * count × 3 values in [0, 1] (written). */
typedef struct dipp_field_v1 {
    uint32_t struct_size;
    dipp_status (*density_colour)(void *generator_instance, const float *params, const float *points, int64_t count,
                                  float *density, float *colour, char *error, size_t error_size);
} dipp_field_v1;

#ifdef __cplusplus
}
#endif

#endif
