/* 2-D convolutions through oneDNN's convolution primitives (forward, backward data, backward
 * weights) on plain NCHW / OIHW buffers: one `dipp_conv` per shape, created once and reused. */
#include "dipp_backend.h"
#include <dnnl.h>
#include <pthread.h>
#include <stdlib.h>

struct dipp_conv {
    dnnl_primitive_t forward, backward_data, backward_weights;
    dnnl_memory_t src, weights, dst;   /* handles set per call */
    dnnl_stream_t stream;
};

static dnnl_engine_t dipp_engine;
static pthread_once_t dipp_engine_once = PTHREAD_ONCE_INIT;
static void dipp_make_engine(void) { dnnl_engine_create(&dipp_engine, dnnl_cpu, 0); }

#define CHECK(call)                          \
    do {                                     \
        dnnl_status_t s_ = (call);           \
        if (s_ != dnnl_success) {            \
            *status = (int)s_;               \
            dipp_conv_destroy(conv);         \
            return NULL;                     \
        }                                    \
    } while (0)

static dnnl_status_t make_primitive(dnnl_primitive_t *out, const void *desc, const_dnnl_primitive_desc_t hint) {
    dnnl_primitive_desc_t pd;
    dnnl_status_t s = dnnl_primitive_desc_create(&pd, desc, NULL, dipp_engine, hint);
    if (s != dnnl_success) return s;
    s = dnnl_primitive_create(out, pd);
    dnnl_primitive_desc_destroy(pd);
    return s;
}

dipp_conv *dipp_conv_create(int64_t n, int64_t c, int64_t h, int64_t w, int64_t o, int64_t kh, int64_t kw,
                            int64_t stride, int64_t padding, int *status) {
    pthread_once(&dipp_engine_once, dipp_make_engine);
    *status = 0;
    dipp_conv *conv = calloc(1, sizeof(dipp_conv));
    if (!conv || !dipp_engine) { *status = -1; free(conv); return NULL; }
    int64_t oh = (h + 2 * padding - kh) / stride + 1, ow = (w + 2 * padding - kw) / stride + 1;
    dnnl_dims_t src_dims = {n, c, h, w}, weight_dims = {o, c, kh, kw}, dst_dims = {n, o, oh, ow};
    dnnl_dims_t strides = {stride, stride}, pad = {padding, padding};
    dnnl_memory_desc_t src_md, weight_md, dst_md;
    CHECK(dnnl_memory_desc_init_by_tag(&src_md, 4, src_dims, dnnl_f32, dnnl_nchw));
    CHECK(dnnl_memory_desc_init_by_tag(&weight_md, 4, weight_dims, dnnl_f32, dnnl_oihw));
    CHECK(dnnl_memory_desc_init_by_tag(&dst_md, 4, dst_dims, dnnl_f32, dnnl_nchw));

    dnnl_convolution_desc_t fwd, bwd_data, bwd_weights;
    CHECK(dnnl_convolution_forward_desc_init(&fwd, dnnl_forward_training, dnnl_convolution_direct, &src_md, &weight_md, NULL,
                                             &dst_md, strides, pad, pad));
    dnnl_primitive_desc_t hint;
    CHECK(dnnl_primitive_desc_create(&hint, &fwd, NULL, dipp_engine, NULL));
    dnnl_status_t s = dnnl_primitive_create(&conv->forward, hint);
    if (s == dnnl_success) {
        s = dnnl_convolution_backward_data_desc_init(&bwd_data, dnnl_convolution_direct, &src_md, &weight_md, &dst_md, strides, pad, pad);
    }
    if (s == dnnl_success) s = make_primitive(&conv->backward_data, &bwd_data, hint);
    if (s == dnnl_success) {
        s = dnnl_convolution_backward_weights_desc_init(&bwd_weights, dnnl_convolution_direct, &src_md, &weight_md, NULL, &dst_md,
                                                        strides, pad, pad);
    }
    if (s == dnnl_success) s = make_primitive(&conv->backward_weights, &bwd_weights, hint);
    dnnl_primitive_desc_destroy(hint);
    CHECK(s);
    CHECK(dnnl_memory_create(&conv->src, &src_md, dipp_engine, DNNL_MEMORY_NONE));
    CHECK(dnnl_memory_create(&conv->weights, &weight_md, dipp_engine, DNNL_MEMORY_NONE));
    CHECK(dnnl_memory_create(&conv->dst, &dst_md, dipp_engine, DNNL_MEMORY_NONE));
    CHECK(dnnl_stream_create(&conv->stream, dipp_engine, dnnl_stream_default_flags));
    return conv;
}

void dipp_conv_destroy(dipp_conv *conv) {
    if (!conv) return;
    if (conv->forward) dnnl_primitive_destroy(conv->forward);
    if (conv->backward_data) dnnl_primitive_destroy(conv->backward_data);
    if (conv->backward_weights) dnnl_primitive_destroy(conv->backward_weights);
    if (conv->src) dnnl_memory_destroy(conv->src);
    if (conv->weights) dnnl_memory_destroy(conv->weights);
    if (conv->dst) dnnl_memory_destroy(conv->dst);
    if (conv->stream) dnnl_stream_destroy(conv->stream);
    free(conv);
}

/* Runs `primitive` with the three buffers bound to (src, weights, dst)-shaped memories under the
 * argument ids the primitive expects. */
static int run(dipp_conv *conv, dnnl_primitive_t primitive, int src_arg, float *src, int weight_arg, float *weights,
               int dst_arg, float *dst) {
    dnnl_status_t s = dnnl_memory_set_data_handle(conv->src, src);
    if (s == dnnl_success) s = dnnl_memory_set_data_handle(conv->weights, weights);
    if (s == dnnl_success) s = dnnl_memory_set_data_handle(conv->dst, dst);
    if (s != dnnl_success) return (int)s;
    dnnl_exec_arg_t args[3] = {{src_arg, conv->src}, {weight_arg, conv->weights}, {dst_arg, conv->dst}};
    s = dnnl_primitive_execute(primitive, conv->stream, 3, args);
    if (s == dnnl_success) s = dnnl_stream_wait(conv->stream);
    return (int)s;
}

int dipp_conv_forward(dipp_conv *conv, const float *src, const float *weights, float *dst) {
    return run(conv, conv->forward, DNNL_ARG_SRC, (float *)src, DNNL_ARG_WEIGHTS, (float *)weights, DNNL_ARG_DST, dst);
}

int dipp_conv_backward_data(dipp_conv *conv, const float *diff_dst, const float *weights, float *diff_src) {
    return run(conv, conv->backward_data, DNNL_ARG_DIFF_SRC, diff_src, DNNL_ARG_WEIGHTS, (float *)weights, DNNL_ARG_DIFF_DST,
               (float *)diff_dst);
}

int dipp_conv_backward_weights(dipp_conv *conv, const float *src, const float *diff_dst, float *diff_weights) {
    return run(conv, conv->backward_weights, DNNL_ARG_SRC, (float *)src, DNNL_ARG_DIFF_WEIGHTS, diff_weights, DNNL_ARG_DIFF_DST,
               (float *)diff_dst);
}
