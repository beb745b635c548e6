// float32 2-d convolution (forward, backward data, backward weights) through oneDNN.
// Tensors stay in PyTorch's plain NCHW / OIHW layouts; each primitive computes in the
// blocked layout oneDNN prefers and the plain <-> blocked reorders run around it, as
// PyTorch's CPU convolution does. Primitives and their buffers are cached per geometry.
#include "CTorchKernels.h"
#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum { ARG_SLOTS = 4 };

typedef struct {
    int dnnl_arg;
    int is_output;
    dnnl_memory_t user;     // plain layout over the caller's pointer
    dnnl_memory_t inner;    // the primitive's layout (== user when no reorder is needed)
    dnnl_primitive_t reorder;
    void *buffer;
} conv_arg;

typedef struct conv_entry {
    int kind, has_bias;
    st_conv2d_geometry g;
    dnnl_primitive_t primitive;
    conv_arg args[ARG_SLOTS];
    int nargs;
    pthread_mutex_t lock;
    struct conv_entry *next;
} conv_entry;

static dnnl_engine_t engine;
static dnnl_stream_t stream;
static int engine_state;      // 0 untried, 1 ready, -1 failed
static conv_entry *cache;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static int ensure_engine(void) {
    if (engine_state == 0) {
        if (dnnl_engine_create(&engine, dnnl_cpu, 0) == dnnl_success &&
            dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) == dnnl_success) engine_state = 1;
        else engine_state = -1;
    }
    return engine_state == 1;
}

static void plain_descs(const st_conv2d_geometry *g, dnnl_memory_desc_t *src, dnnl_memory_desc_t *wei,
                        dnnl_memory_desc_t *bias, dnnl_memory_desc_t *dst, int any) {
    int64_t oh = (g->h + g->pad_top + g->pad_bottom - g->dil_h * (g->kh - 1) - 1) / g->stride_h + 1;
    int64_t ow = (g->w + g->pad_left + g->pad_right - g->dil_w * (g->kw - 1) - 1) / g->stride_w + 1;
    dnnl_dims_t sd = {g->n, g->c, g->h, g->w}, dd = {g->n, g->oc, oh, ow}, bd = {g->oc};
    dnnl_memory_desc_init_by_tag(src, 4, sd, dnnl_f32, any ? dnnl_format_tag_any : dnnl_nchw);
    dnnl_memory_desc_init_by_tag(dst, 4, dd, dnnl_f32, any ? dnnl_format_tag_any : dnnl_nchw);
    dnnl_memory_desc_init_by_tag(bias, 1, bd, dnnl_f32, dnnl_x);
    if (g->groups == 1) {
        dnnl_dims_t wd = {g->oc, g->c, g->kh, g->kw};
        dnnl_memory_desc_init_by_tag(wei, 4, wd, dnnl_f32, any ? dnnl_format_tag_any : dnnl_oihw);
    } else {
        dnnl_dims_t wd = {g->groups, g->oc / g->groups, g->c / g->groups, g->kh, g->kw};
        dnnl_memory_desc_init_by_tag(wei, 5, wd, dnnl_f32, any ? dnnl_format_tag_any : dnnl_goihw);
    }
}

static dnnl_status_t conv_desc(int kind, const st_conv2d_geometry *g, int has_bias, dnnl_convolution_desc_t *cd, int any) {
    dnnl_memory_desc_t src, wei, bias, dst;
    plain_descs(g, &src, &wei, &bias, &dst, any);
    dnnl_dims_t strides = {g->stride_h, g->stride_w}, dil = {g->dil_h - 1, g->dil_w - 1};
    dnnl_dims_t pl = {g->pad_top, g->pad_left}, pr = {g->pad_bottom, g->pad_right};
    switch (kind) {
    case ST_CONV_FORWARD:
        return dnnl_dilated_convolution_forward_desc_init(cd, dnnl_forward_training, dnnl_convolution_direct, &src, &wei,
                                                          has_bias ? &bias : NULL, &dst, strides, dil, pl, pr);
    case ST_CONV_BACKWARD_DATA:
        return dnnl_dilated_convolution_backward_data_desc_init(cd, dnnl_convolution_direct, &src, &wei, &dst, strides, dil, pl, pr);
    default:
        return dnnl_dilated_convolution_backward_weights_desc_init(cd, dnnl_convolution_direct, &src, &wei,
                                                                   has_bias ? &bias : NULL, &dst, strides, dil, pl, pr);
    }
}

static void destroy_entry(conv_entry *e) {
    for (int i = 0; i < e->nargs; i++) {
        conv_arg *a = &e->args[i];
        if (a->reorder) dnnl_primitive_destroy(a->reorder);
        if (a->inner && a->inner != a->user) dnnl_memory_destroy(a->inner);
        if (a->user) dnnl_memory_destroy(a->user);
        free(a->buffer);
    }
    if (e->primitive) dnnl_primitive_destroy(e->primitive);
    free(e);
}

// Binds argument slot `i` to the primitive's memory descriptor `inner_md`, with a
// reorder from/to the plain descriptor `user_md` when the layouts differ.
static int bind_arg(conv_entry *e, int i, int dnnl_arg, int is_output, const dnnl_memory_desc_t *user_md,
                    const dnnl_memory_desc_t *inner_md) {
    conv_arg *a = &e->args[i];
    a->dnnl_arg = dnnl_arg;
    a->is_output = is_output;
    if (dnnl_memory_create(&a->user, user_md, engine, DNNL_MEMORY_NONE) != dnnl_success) return 0;
    if (dnnl_memory_desc_equal(user_md, inner_md)) {
        a->inner = a->user;
        return 1;
    }
    size_t size = dnnl_memory_desc_get_size(inner_md);
    a->buffer = aligned_alloc(64, (size + 63) / 64 * 64);
    if (!a->buffer || dnnl_memory_create(&a->inner, inner_md, engine, a->buffer) != dnnl_success) return 0;
    dnnl_primitive_desc_t rpd;
    if (dnnl_reorder_primitive_desc_create(&rpd, is_output ? inner_md : user_md, engine, is_output ? user_md : inner_md,
                                           engine, NULL) != dnnl_success) return 0;
    dnnl_status_t s = dnnl_primitive_create(&a->reorder, rpd);
    dnnl_primitive_desc_destroy(rpd);
    return s == dnnl_success;
}

static conv_entry *create_entry(int kind, const st_conv2d_geometry *g, int has_bias) {
    conv_entry *e = calloc(1, sizeof(conv_entry));
    if (!e) return NULL;
    e->kind = kind;
    e->has_bias = has_bias;
    e->g = *g;
    pthread_mutex_init(&e->lock, NULL);
    dnnl_convolution_desc_t fwd, cd;
    dnnl_primitive_desc_t hint = NULL, pd = NULL;
    int ok = conv_desc(ST_CONV_FORWARD, g, has_bias, &fwd, 1) == dnnl_success &&
             dnnl_primitive_desc_create(&hint, &fwd, NULL, engine, NULL) == dnnl_success;
    if (ok && kind == ST_CONV_FORWARD) {
        pd = hint;
        hint = NULL;
    } else if (ok) {
        ok = conv_desc(kind, g, has_bias, &cd, 1) == dnnl_success &&
             dnnl_primitive_desc_create(&pd, &cd, NULL, engine, hint) == dnnl_success;
    }
    if (ok) ok = dnnl_primitive_create(&e->primitive, pd) == dnnl_success;
    if (ok) {
        dnnl_memory_desc_t src, wei, bias, dst;
        plain_descs(g, &src, &wei, &bias, &dst, 0);
        switch (kind) {
        case ST_CONV_FORWARD:
            ok = bind_arg(e, 0, DNNL_ARG_SRC, 0, &src, dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0)) &&
                 bind_arg(e, 1, DNNL_ARG_WEIGHTS, 0, &wei, dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0)) &&
                 bind_arg(e, 2, DNNL_ARG_DST, 1, &dst, dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0));
            e->nargs = 3;
            if (ok && has_bias) {
                ok = bind_arg(e, 3, DNNL_ARG_BIAS, 0, &bias, dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 1));
                e->nargs = 4;
            }
            break;
        case ST_CONV_BACKWARD_DATA:
            ok = bind_arg(e, 0, DNNL_ARG_DIFF_DST, 0, &dst, dnnl_primitive_desc_query_md(pd, dnnl_query_diff_dst_md, 0)) &&
                 bind_arg(e, 1, DNNL_ARG_WEIGHTS, 0, &wei, dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0)) &&
                 bind_arg(e, 2, DNNL_ARG_DIFF_SRC, 1, &src, dnnl_primitive_desc_query_md(pd, dnnl_query_diff_src_md, 0));
            e->nargs = 3;
            break;
        default:
            ok = bind_arg(e, 0, DNNL_ARG_SRC, 0, &src, dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0)) &&
                 bind_arg(e, 1, DNNL_ARG_DIFF_DST, 0, &dst, dnnl_primitive_desc_query_md(pd, dnnl_query_diff_dst_md, 0)) &&
                 bind_arg(e, 2, DNNL_ARG_DIFF_WEIGHTS, 1, &wei, dnnl_primitive_desc_query_md(pd, dnnl_query_diff_weights_md, 0));
            e->nargs = 3;
            if (ok && has_bias) {
                ok = bind_arg(e, 3, DNNL_ARG_DIFF_BIAS, 1, &bias, dnnl_primitive_desc_query_md(pd, dnnl_query_diff_weights_md, 1));
                e->nargs = 4;
            }
        }
    }
    if (hint) dnnl_primitive_desc_destroy(hint);
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (!ok) {
        destroy_entry(e);
        return NULL;
    }
    return e;
}

static int execute(dnnl_primitive_t p, int nargs, const dnnl_exec_arg_t *args) {
    return dnnl_primitive_execute(p, stream, nargs, args) == dnnl_success;
}

int st_conv2d_f32(int kind, const st_conv2d_geometry *g, const float *a, const float *b, float *out, float *bias) {
    pthread_mutex_lock(&cache_lock);
    if (!ensure_engine()) {
        pthread_mutex_unlock(&cache_lock);
        return 0;
    }
    int has_bias = bias != NULL;
    conv_entry *e = cache;
    while (e && !(e->kind == kind && e->has_bias == has_bias && memcmp(&e->g, g, sizeof(*g)) == 0)) e = e->next;
    if (!e) {
        e = create_entry(kind, g, has_bias);
        if (e) {
            e->next = cache;
            cache = e;
        }
    }
    pthread_mutex_unlock(&cache_lock);
    if (!e) return 0;

    void *pointers[ARG_SLOTS] = {(void *)a, (void *)b, out, bias};
    dnnl_exec_arg_t args[ARG_SLOTS];
    int ok = 1;
    pthread_mutex_lock(&e->lock);
    for (int i = 0; i < e->nargs && ok; i++) {
        conv_arg *arg = &e->args[i];
        ok = dnnl_memory_set_data_handle(arg->user, pointers[i]) == dnnl_success;
        args[i] = (dnnl_exec_arg_t){arg->dnnl_arg, arg->inner};
        if (ok && arg->reorder && !arg->is_output) {
            dnnl_exec_arg_t r[2] = {{DNNL_ARG_FROM, arg->user}, {DNNL_ARG_TO, arg->inner}};
            ok = execute(arg->reorder, 2, r);
        }
    }
    if (ok) ok = execute(e->primitive, e->nargs, args);
    for (int i = 0; i < e->nargs && ok; i++) {
        conv_arg *arg = &e->args[i];
        if (arg->reorder && arg->is_output) {
            dnnl_exec_arg_t r[2] = {{DNNL_ARG_FROM, arg->inner}, {DNNL_ARG_TO, arg->user}};
            ok = execute(arg->reorder, 2, r);
        }
    }
    pthread_mutex_unlock(&e->lock);
    return ok;
}
