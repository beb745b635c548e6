// float32 and bfloat16 2-d convolution (forward, backward data, backward weights)
// through oneDNN, on PyTorch's plain NCHW / OIHW layouts; the primitive computes in
// the blocked layout it prefers, as PyTorch's CPU convolution does. bfloat16 runs only
// where oneDNN has an optimised kernel for it (CPUs with bf16 instructions).
#include "CTorchKernels.h"
#include "dnnl_cache.h"
#include <string.h>

typedef struct {
    int kind, has_bias;
    int dtype;  // dnnl_data_type_t of every tensor
    st_conv2d_geometry g;
} conv_key;

static void descs(const st_conv2d_geometry *g, dnnl_data_type_t t, dnnl_memory_desc_t *src, dnnl_memory_desc_t *wei,
                  dnnl_memory_desc_t *bias, dnnl_memory_desc_t *dst, int any) {
    int64_t oh = (g->h + g->pad_top + g->pad_bottom - g->dil_h * (g->kh - 1) - 1) / g->stride_h + 1;
    int64_t ow = (g->w + g->pad_left + g->pad_right - g->dil_w * (g->kw - 1) - 1) / g->stride_w + 1;
    dnnl_dims_t sd = {g->n, g->c, g->h, g->w}, dd = {g->n, g->oc, oh, ow}, bd = {g->oc};
    dnnl_memory_desc_init_by_tag(src, 4, sd, t, any ? dnnl_format_tag_any : dnnl_nchw);
    dnnl_memory_desc_init_by_tag(dst, 4, dd, t, any ? dnnl_format_tag_any : dnnl_nchw);
    dnnl_memory_desc_init_by_tag(bias, 1, bd, t, dnnl_x);
    if (g->groups == 1) {
        dnnl_dims_t wd = {g->oc, g->c, g->kh, g->kw};
        dnnl_memory_desc_init_by_tag(wei, 4, wd, t, any ? dnnl_format_tag_any : dnnl_oihw);
    } else {
        dnnl_dims_t wd = {g->groups, g->oc / g->groups, g->c / g->groups, g->kh, g->kw};
        dnnl_memory_desc_init_by_tag(wei, 5, wd, t, any ? dnnl_format_tag_any : dnnl_goihw);
    }
}

static dnnl_status_t conv_desc(int kind, const conv_key *k, dnnl_convolution_desc_t *cd) {
    const st_conv2d_geometry *g = &k->g;
    int has_bias = k->has_bias;
    dnnl_memory_desc_t src, wei, bias, dst;
    descs(g, (dnnl_data_type_t)k->dtype, &src, &wei, &bias, &dst, 1);
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

static st_arg_spec arg(int dnnl_arg, int is_output, const dnnl_memory_desc_t *user) {
    st_arg_spec s = {dnnl_arg, is_output, 0, *user};
    return s;
}

static int build(dnnl_engine_t engine, const void *key, dnnl_primitive_desc_t *pd, st_arg_spec *args, int *nargs) {
    const conv_key *k = key;
    dnnl_convolution_desc_t fwd, cd;
    dnnl_primitive_desc_t hint = NULL;
    if (conv_desc(ST_CONV_FORWARD, k, &fwd) != dnnl_success ||
        dnnl_primitive_desc_create(&hint, &fwd, st_dnnl_attr(), engine, NULL) != dnnl_success) return 0;
    int ok = 1;
    if (k->kind == ST_CONV_FORWARD) {
        *pd = hint;
        hint = NULL;
    } else {
        ok = conv_desc(k->kind, k, &cd) == dnnl_success &&
             dnnl_primitive_desc_create(pd, &cd, st_dnnl_attr(), engine, hint) == dnnl_success;
    }
    if (hint) dnnl_primitive_desc_destroy(hint);
    if (!ok) return 0;
    if (k->dtype == dnnl_bf16) {
        // a reference bf16 kernel is far slower than the caller's own path
        const char *impl = NULL;
        if (dnnl_primitive_desc_query(*pd, dnnl_query_impl_info_str, 0, &impl) != dnnl_success || !impl || strstr(impl, "ref")) {
            dnnl_primitive_desc_destroy(*pd);
            *pd = NULL;
            return 0;
        }
    }
    dnnl_memory_desc_t src, wei, bias, dst;
    descs(&k->g, (dnnl_data_type_t)k->dtype, &src, &wei, &bias, &dst, 0);
    // argument order = the pointer order of st_conv2d_f32: a, b, out, bias
    switch (k->kind) {
    case ST_CONV_FORWARD:
        args[0] = arg(DNNL_ARG_SRC, 0, &src);
        args[1] = arg(DNNL_ARG_WEIGHTS, 0, &wei);
        args[2] = arg(DNNL_ARG_DST, 1, &dst);
        args[3] = arg(DNNL_ARG_BIAS, 0, &bias);
        break;
    case ST_CONV_BACKWARD_DATA:
        args[0] = arg(DNNL_ARG_DIFF_DST, 0, &dst);
        args[1] = arg(DNNL_ARG_WEIGHTS, 0, &wei);
        args[2] = arg(DNNL_ARG_DIFF_SRC, 1, &src);
        break;
    default:
        args[0] = arg(DNNL_ARG_SRC, 0, &src);
        args[1] = arg(DNNL_ARG_DIFF_DST, 0, &dst);
        args[2] = arg(DNNL_ARG_DIFF_WEIGHTS, 1, &wei);
        args[3] = arg(DNNL_ARG_DIFF_BIAS, 1, &bias);
    }
    *nargs = (k->has_bias && k->kind != ST_CONV_BACKWARD_DATA) ? 4 : 3;
    return 1;
}

static int conv2d(dnnl_data_type_t dtype, int kind, const st_conv2d_geometry *g, const void *a, const void *b, void *out,
                  void *bias) {
    conv_key key;
    memset(&key, 0, sizeof(key));
    key.kind = kind;
    key.has_bias = bias != NULL;
    key.dtype = dtype;
    key.g = *g;
    st_dnnl_entry *e = st_dnnl_lookup(1, &key, sizeof(key), build);
    if (!e) return 0;
    void *pointers[4] = {(void *)a, (void *)b, out, bias};
    return st_dnnl_execute(e, pointers);
}

int st_conv2d_f32(int kind, const st_conv2d_geometry *g, const float *a, const float *b, float *out, float *bias) {
    return conv2d(dnnl_f32, kind, g, a, b, out, bias);
}

int st_conv2d_bf16(int kind, const st_conv2d_geometry *g, const uint16_t *a, const uint16_t *b, uint16_t *out, uint16_t *bias) {
    return conv2d(dnnl_bf16, kind, g, a, b, out, bias);
}
