/* 2-D convolutions through oneDNN's convolution primitives (forward, backward data, backward
 * weights), with an optional per-channel bias added by the forward primitive and summed by the
 * backward-weights one. The caller's buffers are plain NCHW (or NHWC, channels last) / OIHW.
 * With NCHW each primitive is created with the layouts oneDNN prefers (`any`: blocked layouts
 * for its direct JIT kernels); with NHWC the primitives use NHWC themselves. Operands are
 * reordered at the boundary when the two layouts (or, in bf16, the types) differ. The backward
 * pass reorders the output gradient once for both of its primitives when they want the same
 * layout. One
 * `dipp_conv` per shape, created once. In bf16 mode the primitives' inputs are bf16 (the
 * reorders at the boundary round the caller's fp32 values to nearest even) and their outputs fp32.
 *
 * Every primitive (reorders included) is created in oneDNN's user-scratchpad mode, and each
 * `dipp_conv` owns one scratchpad as large as its largest primitive needs. With the library's
 * default, oneDNN's GEMM-based convolutions (e.g. the bf16 backward-weights pass of small shapes)
 * use a scratchpad belonging to the *thread that created the primitive*; run from another thread
 * — as Swift's concurrency does — they wrote through that thread's buffer (absent or too small)
 * and corrupted the heap. One `dipp_conv`'s calls are serialised by its caller, so its primitives
 * can share the one buffer. */
#include "dipp_backend.h"
#include <dnnl.h>
#include <pthread.h>
#include <stdlib.h>

/* One operand of a primitive: the caller's plain memory and, when the primitive wants another
 * layout, its own buffer in that layout with the reorder between the two. */
typedef struct {
    dnnl_memory_t user, inner;   /* inner == user when the layouts agree */
    dnnl_primitive_t reorder;    /* user → inner for inputs, inner → user for the output; or NULL */
    void *buffer;
} operand;

/* A primitive with its two inputs and one output, and the bias (forward) or bias gradient
 * (backward weights) in plain layout when the convolution has one. */
typedef struct {
    dnnl_primitive_t primitive;
    operand in[2], out;
    int in_arg[2], out_arg;
    dnnl_memory_t bias;
    int bias_arg;
} step;

struct dipp_conv {
    step forward, backward_data, backward_weights;
    dnnl_stream_t stream;
    /* The largest scratchpad any of the primitives asks for, and the memory bound to it. */
    size_t scratchpad_bytes;
    void *scratchpad_buffer;
    dnnl_memory_t scratchpad;
    /* Both backward primitives reorder diff_dst into the same layout: backward-weights reuses
     * backward-data's copy. Decided once, at creation. */
    int share_diff_dst;
    /* bf16 asked for where oneDNN has no bf16 convolution: fp32 primitives read src, weights and
     * diff_dst rounded to bfloat16 into these buffers (element counts in `*_count`). */
    int emulate_bf16;
    float *src_rounded, *weights_rounded, *dst_rounded;
    size_t src_count, weights_count, dst_count;
};

int dipp_conv_emulates_bf16(const dipp_conv *conv) { return conv->emulate_bf16; }

/* `x` rounded to bfloat16 into `buffer` when emulating, else `x` itself. */
static const float *rounded(const dipp_conv *conv, const float *x, float *buffer, size_t count) {
    if (!conv->emulate_bf16 || !x) return x;
    dipp_round_bf16_parallel(x, buffer, (int64_t)count);
    return buffer;
}

static dnnl_engine_t dipp_engine;
/* Attributes of every primitive: the scratchpad is the caller's (DNNL_ARG_SCRATCHPAD). */
static dnnl_primitive_attr_t dipp_attr;
static pthread_once_t dipp_engine_once = PTHREAD_ONCE_INIT;
static void dipp_make_engine(void) {
    if (dnnl_engine_create(&dipp_engine, dnnl_cpu, 0) != dnnl_success) return;
    if (dnnl_primitive_attr_create(&dipp_attr) != dnnl_success
        || dnnl_primitive_attr_set_scratchpad_mode(dipp_attr, dnnl_scratchpad_mode_user) != dnnl_success) {
        dnnl_engine_destroy(dipp_engine);
        dipp_engine = NULL;
    }
}

/* Raises `*bytes` to the scratchpad size `pd` needs. */
static void need_scratchpad(const_dnnl_primitive_desc_t pd, size_t *bytes) {
    const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    size_t size = md ? dnnl_memory_desc_get_size(md) : 0;
    if (size > *bytes) *bytes = size;
}

static void operand_destroy(operand *o) {
    if (o->reorder) dnnl_primitive_destroy(o->reorder);
    if (o->inner && o->inner != o->user) dnnl_memory_destroy(o->inner);
    if (o->user) dnnl_memory_destroy(o->user);
    free(o->buffer);
}

static dnnl_status_t operand_init(operand *o, const dnnl_memory_desc_t *plain, const dnnl_memory_desc_t *wanted, int output,
                                   size_t *scratchpad_bytes) {
    dnnl_status_t s = dnnl_memory_create(&o->user, plain, dipp_engine, DNNL_MEMORY_NONE);
    if (s != dnnl_success) return s;
    if (dnnl_memory_desc_equal(plain, wanted)) { o->inner = o->user; return dnnl_success; }
    size_t bytes = (dnnl_memory_desc_get_size(wanted) + 63) / 64 * 64;
    if (!(o->buffer = aligned_alloc(64, bytes))) return dnnl_out_of_memory;
    if ((s = dnnl_memory_create(&o->inner, wanted, dipp_engine, o->buffer)) != dnnl_success) return s;
    dnnl_primitive_desc_t pd;
    s = output ? dnnl_reorder_primitive_desc_create(&pd, wanted, dipp_engine, plain, dipp_engine, dipp_attr)
               : dnnl_reorder_primitive_desc_create(&pd, plain, dipp_engine, wanted, dipp_engine, dipp_attr);
    if (s != dnnl_success) return s;
    need_scratchpad(pd, scratchpad_bytes);
    s = dnnl_primitive_create(&o->reorder, pd);
    dnnl_primitive_desc_destroy(pd);
    return s;
}

static void step_destroy(step *st) {
    if (st->primitive) dnnl_primitive_destroy(st->primitive);
    operand_destroy(&st->in[0]);
    operand_destroy(&st->in[1]);
    operand_destroy(&st->out);
    if (st->bias) dnnl_memory_destroy(st->bias);
}

/* Creates the primitive of `desc` and its operands: plain layouts `plain[0..2]` for (in0, in1,
 * out), the layouts the primitive chose queried with `queries[0..2]`; `bias` (plain, or NULL)
 * bound to `bias_arg`. Raises `*scratchpad_bytes` to what the primitive and its reorders need. */
static dnnl_status_t step_init(step *st, const void *desc, const_dnnl_primitive_desc_t hint, const dnnl_memory_desc_t *plain[3],
                               const dnnl_query_t queries[3], const int args[3], const dnnl_memory_desc_t *bias, int bias_arg,
                               size_t *scratchpad_bytes) {
    dnnl_primitive_desc_t pd;
    dnnl_status_t s = dnnl_primitive_desc_create(&pd, desc, dipp_attr, dipp_engine, hint);
    if (s != dnnl_success) return s;
    need_scratchpad(pd, scratchpad_bytes);
    s = dnnl_primitive_create(&st->primitive, pd);
    for (int i = 0; i < 3 && s == dnnl_success; i++) {
        const dnnl_memory_desc_t *wanted = dnnl_primitive_desc_query_md(pd, queries[i], 0);
        s = operand_init(i < 2 ? &st->in[i] : &st->out, plain[i], wanted, i == 2, scratchpad_bytes);
    }
    st->in_arg[0] = args[0];
    st->in_arg[1] = args[1];
    st->out_arg = args[2];
    st->bias_arg = bias_arg;
    if (bias && s == dnnl_success) s = dnnl_memory_create(&st->bias, bias, dipp_engine, DNNL_MEMORY_NONE);
    dnnl_primitive_desc_destroy(pd);
    return s;
}

void dipp_conv_destroy(dipp_conv *conv) {
    if (!conv) return;
    step_destroy(&conv->forward);
    step_destroy(&conv->backward_data);
    step_destroy(&conv->backward_weights);
    if (conv->stream) dnnl_stream_destroy(conv->stream);
    if (conv->scratchpad) dnnl_memory_destroy(conv->scratchpad);
    free(conv->scratchpad_buffer);
    free(conv->src_rounded);
    free(conv->weights_rounded);
    free(conv->dst_rounded);
    free(conv);
}

static dipp_conv *conv_create(int64_t n, int64_t c, int64_t h, int64_t w, int64_t o, int64_t kh, int64_t kw,
                              int64_t stride, int64_t padding, int bias, int channels_last, int bf16, int winograd, int *status);

dipp_conv *dipp_conv_create(int64_t n, int64_t c, int64_t h, int64_t w, int64_t o, int64_t kh, int64_t kw,
                            int64_t stride, int64_t padding, int bias, int channels_last, int bf16, int winograd, int *status) {
    dipp_conv *conv = conv_create(n, c, h, w, o, kh, kw, stride, padding, bias, channels_last, bf16, winograd, status);
    if (conv || !bf16) return conv;
    /* No bf16 convolution on this CPU (or under DIPP_MAX_ISA; oneDNN answers `unimplemented`):
     * fp32 primitives on rounded operands. */
    if (!(conv = conv_create(n, c, h, w, o, kh, kw, stride, padding, bias, channels_last, 0, winograd, status))) return NULL;
    int64_t oh = (h + 2 * padding - kh) / stride + 1, ow = (w + 2 * padding - kw) / stride + 1;
    conv->emulate_bf16 = 1;
    conv->src_count = (size_t)(n * c * h * w);
    conv->weights_count = (size_t)(o * c * kh * kw);
    conv->dst_count = (size_t)(n * o * oh * ow);
    conv->src_rounded = malloc(conv->src_count * sizeof(float));
    conv->weights_rounded = malloc(conv->weights_count * sizeof(float));
    conv->dst_rounded = malloc(conv->dst_count * sizeof(float));
    if (!conv->src_rounded || !conv->weights_rounded || !conv->dst_rounded) {
        dipp_conv_destroy(conv);
        *status = dnnl_out_of_memory;
        return NULL;
    }
    return conv;
}

static dipp_conv *conv_create(int64_t n, int64_t c, int64_t h, int64_t w, int64_t o, int64_t kh, int64_t kw,
                              int64_t stride, int64_t padding, int bias, int channels_last, int bf16, int winograd, int *status) {
    pthread_once(&dipp_engine_once, dipp_make_engine);
    dipp_conv *conv = calloc(1, sizeof(dipp_conv));
    if (!conv || !dipp_engine) { *status = -1; free(conv); return NULL; }
    int64_t oh = (h + 2 * padding - kh) / stride + 1, ow = (w + 2 * padding - kw) / stride + 1;
    dnnl_dims_t src_dims = {n, c, h, w}, weight_dims = {o, c, kh, kw}, dst_dims = {n, o, oh, ow}, bias_dims = {o};
    dnnl_dims_t strides = {stride, stride}, pad = {padding, padding};
    /* bf16: the primitives read bf16 operands (the reorders in convert) and write fp32 results. */
    dnnl_data_type_t operand_type = bf16 ? dnnl_bf16 : dnnl_f32;
    dnnl_memory_desc_t bias_md, src, weights, dst, src_any, weights_any, dst_any, src_result, weights_result, dst_operand;
    dnnl_convolution_desc_t fwd, bwd_data, bwd_weights;
    dnnl_primitive_desc_t hint = NULL;
    const dnnl_memory_desc_t *bias_or_null = bias ? &bias_md : NULL;
    dnnl_alg_kind_t alg = winograd ? dnnl_convolution_winograd : dnnl_convolution_direct;
    /* Channels last: the caller's NHWC activations are the primitives' layout too (no reorder in
     * fp32, a conversion in bf16); otherwise — and for Winograd, whose kernels read blocked
     * layouts only — the primitives choose (blocked) and the activations are reordered. */
    const dnnl_format_tag_t plain_tag = channels_last ? dnnl_nhwc : dnnl_nchw, inner_tag = channels_last && !winograd ? dnnl_nhwc : dnnl_format_tag_any;
    dnnl_status_t s = dnnl_memory_desc_init_by_tag(&bias_md, 1, bias_dims, dnnl_f32, dnnl_x);
    if (s == dnnl_success) s = dnnl_memory_desc_init_by_tag(&src, 4, src_dims, dnnl_f32, plain_tag);
    if (s == dnnl_success) s = dnnl_memory_desc_init_by_tag(&weights, 4, weight_dims, dnnl_f32, dnnl_oihw);
    if (s == dnnl_success) s = dnnl_memory_desc_init_by_tag(&dst, 4, dst_dims, dnnl_f32, plain_tag);
    if (s == dnnl_success) s = dnnl_memory_desc_init_by_tag(&src_any, 4, src_dims, operand_type, inner_tag);
    if (s == dnnl_success) s = dnnl_memory_desc_init_by_tag(&weights_any, 4, weight_dims, operand_type, dnnl_format_tag_any);
    if (s == dnnl_success) s = dnnl_memory_desc_init_by_tag(&dst_any, 4, dst_dims, dnnl_f32, inner_tag);
    if (s == dnnl_success) s = dnnl_memory_desc_init_by_tag(&dst_operand, 4, dst_dims, operand_type, inner_tag);
    if (s == dnnl_success) s = dnnl_memory_desc_init_by_tag(&src_result, 4, src_dims, dnnl_f32, inner_tag);
    if (s == dnnl_success) s = dnnl_memory_desc_init_by_tag(&weights_result, 4, weight_dims, dnnl_f32, dnnl_format_tag_any);
    if (s == dnnl_success) {
        s = dnnl_convolution_forward_desc_init(&fwd, dnnl_forward_training, alg, &src_any, &weights_any, bias_or_null,
                                               &dst_any, strides, pad, pad);
    }
    if (s == dnnl_success) s = dnnl_primitive_desc_create(&hint, &fwd, NULL, dipp_engine, NULL);
    if (s == dnnl_success) {
        const dnnl_memory_desc_t *plain[3] = {&src, &weights, &dst};
        const dnnl_query_t q[3] = {dnnl_query_src_md, dnnl_query_weights_md, dnnl_query_dst_md};
        const int args[3] = {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST};
        s = step_init(&conv->forward, &fwd, NULL, plain, q, args, bias_or_null, DNNL_ARG_BIAS, &conv->scratchpad_bytes);
    }
    if (s == dnnl_success) {
        s = dnnl_convolution_backward_data_desc_init(&bwd_data, alg, &src_result, &weights_any, &dst_operand,
                                                     strides, pad, pad);
    }
    if (s == dnnl_success) {
        const dnnl_memory_desc_t *plain[3] = {&dst, &weights, &src};
        const dnnl_query_t q[3] = {dnnl_query_diff_dst_md, dnnl_query_weights_md, dnnl_query_diff_src_md};
        const int args[3] = {DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC};
        s = step_init(&conv->backward_data, &bwd_data, hint, plain, q, args, NULL, 0, &conv->scratchpad_bytes);
    }
    if (s == dnnl_success) {
        s = dnnl_convolution_backward_weights_desc_init(&bwd_weights, alg, &src_any, &weights_result, bias_or_null,
                                                        &dst_operand, strides, pad, pad);
    }
    if (s == dnnl_success) {
        const dnnl_memory_desc_t *plain[3] = {&src, &dst, &weights};
        const dnnl_query_t q[3] = {dnnl_query_src_md, dnnl_query_diff_dst_md, dnnl_query_diff_weights_md};
        const int args[3] = {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS};
        s = step_init(&conv->backward_weights, &bwd_weights, hint, plain, q, args, bias_or_null, DNNL_ARG_DIFF_BIAS, &conv->scratchpad_bytes);
    }
    if (s == dnnl_success) {
        const operand *data_in = &conv->backward_data.in[0], *weights_in = &conv->backward_weights.in[1];
        const dnnl_memory_desc_t *a, *b;
        conv->share_diff_dst = data_in->reorder && weights_in->reorder
            && dnnl_memory_get_memory_desc(data_in->inner, &a) == dnnl_success
            && dnnl_memory_get_memory_desc(weights_in->inner, &b) == dnnl_success && dnnl_memory_desc_equal(a, b);
    }
    if (hint) dnnl_primitive_desc_destroy(hint);
    if (s == dnnl_success && conv->scratchpad_bytes > 0) {
        dnnl_memory_desc_t md;
        dnnl_dims_t bytes = {(dnnl_dim_t)conv->scratchpad_bytes};
        conv->scratchpad_buffer = aligned_alloc(64, (conv->scratchpad_bytes + 63) / 64 * 64);
        s = conv->scratchpad_buffer ? dnnl_memory_desc_init_by_tag(&md, 1, bytes, dnnl_u8, dnnl_x) : dnnl_out_of_memory;
        if (s == dnnl_success) s = dnnl_memory_create(&conv->scratchpad, &md, dipp_engine, conv->scratchpad_buffer);
    }
    if (s == dnnl_success) s = dnnl_stream_create(&conv->stream, dipp_engine, dnnl_stream_default_flags);
    *status = (int)s;
    if (s != dnnl_success) { dipp_conv_destroy(conv); return NULL; }
    return conv;
}

static dnnl_status_t reorder(dipp_conv *conv, const operand *o, int to_inner) {
    if (!o->reorder) return dnnl_success;
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_FROM, to_inner ? o->user : o->inner}, {DNNL_ARG_TO, to_inner ? o->inner : o->user},
                               {DNNL_ARG_SCRATCHPAD, conv->scratchpad}};
    return dnnl_primitive_execute(o->reorder, conv->stream, conv->scratchpad ? 3 : 2, args);
}

/* Binds the caller's buffers, reorders the inputs in (in1 already in place when `in1_inner` is
 * given), runs the primitive, reorders the output out. */
static int run(dipp_conv *conv, step *st, const float *in0, const float *in1, float *out, float *bias, dnnl_memory_t in1_inner) {
    dnnl_status_t s = dnnl_memory_set_data_handle(st->in[0].user, (void *)in0);
    if (s == dnnl_success) s = dnnl_memory_set_data_handle(st->in[1].user, (void *)in1);
    if (s == dnnl_success) s = dnnl_memory_set_data_handle(st->out.user, out);
    if (s == dnnl_success && st->bias) s = dnnl_memory_set_data_handle(st->bias, bias);
    if (s == dnnl_success) s = reorder(conv, &st->in[0], 1);
    if (s == dnnl_success && !in1_inner) s = reorder(conv, &st->in[1], 1);
    if (s == dnnl_success) {
        dnnl_exec_arg_t args[5] = {{st->in_arg[0], st->in[0].inner}, {st->in_arg[1], in1_inner ? in1_inner : st->in[1].inner},
                                   {st->out_arg, st->out.inner}};
        int count = 3;
        if (conv->scratchpad) args[count++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, conv->scratchpad};
        if (st->bias) args[count++] = (dnnl_exec_arg_t){st->bias_arg, st->bias};
        s = dnnl_primitive_execute(st->primitive, conv->stream, count, args);
    }
    if (s == dnnl_success) s = reorder(conv, &st->out, 0);
    if (s == dnnl_success) s = dnnl_stream_wait(conv->stream);
    return (int)s;
}

int dipp_conv_forward(dipp_conv *conv, const float *src, const float *weights, const float *bias, float *dst) {
    src = rounded(conv, src, conv->src_rounded, conv->src_count);
    weights = rounded(conv, weights, conv->weights_rounded, conv->weights_count);
    return run(conv, &conv->forward, src, weights, dst, (float *)bias, NULL);
}

int dipp_conv_backward(dipp_conv *conv, const float *src, const float *diff_dst, const float *weights,
                       float *diff_src, float *diff_weights, float *diff_bias) {
    int s = 0;
    diff_dst = rounded(conv, diff_dst, conv->dst_rounded, conv->dst_count);
    if (diff_src) weights = rounded(conv, weights, conv->weights_rounded, conv->weights_count);
    if (diff_weights) src = rounded(conv, src, conv->src_rounded, conv->src_count);
    if (diff_src) s = run(conv, &conv->backward_data, diff_dst, weights, diff_src, NULL, NULL);
    if (s || !diff_weights) return s;
    /* The backward-data call just left diff_dst reordered in its buffer. */
    dnnl_memory_t shared = diff_src && conv->share_diff_dst ? conv->backward_data.in[0].inner : NULL;
    return run(conv, &conv->backward_weights, src, diff_dst, diff_weights, diff_bias, shared);
}
