// One float32 LSTM layer in one direction through oneDNN (what PyTorch's CPU LSTM
// runs as mkldnn_rnn_layer). PyTorch's [4H, I] weights are oneDNN's ldgoi layout with
// the same gate order (i, f, g, o); the bias is b_ih + b_hh.
#include "CTorchKernels.h"
#include "dnnl_cache.h"

typedef struct {
    int64_t kind;   // 0 inference, 1 training forward, 2 backward
    st_lstm_geometry g;
} lstm_key;

typedef struct {
    dnnl_memory_desc_t x, h, wl, wi, b, y;
} lstm_descs;

static void descs(const st_lstm_geometry *g, lstm_descs *d, int any_weights) {
    dnnl_dims_t dx = {g->steps, g->batch, g->input}, dy = {g->steps, g->batch, g->hidden}, dh = {1, 1, g->batch, g->hidden};
    dnnl_dims_t dwl = {1, 1, g->input, 4, g->hidden}, dwi = {1, 1, g->hidden, 4, g->hidden}, db = {1, 1, 4, g->hidden};
    dnnl_memory_desc_init_by_tag(&d->x, 3, dx, dnnl_f32, dnnl_tnc);
    dnnl_memory_desc_init_by_tag(&d->y, 3, dy, dnnl_f32, dnnl_tnc);
    dnnl_memory_desc_init_by_tag(&d->h, 4, dh, dnnl_f32, dnnl_ldnc);
    dnnl_memory_desc_init_by_tag(&d->wl, 5, dwl, dnnl_f32, any_weights ? dnnl_format_tag_any : dnnl_ldgoi);
    dnnl_memory_desc_init_by_tag(&d->wi, 5, dwi, dnnl_f32, any_weights ? dnnl_format_tag_any : dnnl_ldgoi);
    dnnl_memory_desc_init_by_tag(&d->b, 4, db, dnnl_f32, dnnl_ldgo);
}

static int forward_pd(dnnl_engine_t engine, const st_lstm_geometry *g, int training, dnnl_primitive_desc_t *pd) {
    lstm_descs d;
    descs(g, &d, 1);
    dnnl_rnn_desc_t rd;
    dnnl_rnn_direction_t dir = g->reverse ? dnnl_unidirectional_right2left : dnnl_unidirectional_left2right;
    return dnnl_lstm_forward_desc_init(&rd, training ? dnnl_forward_training : dnnl_forward_inference, dir, &d.x, &d.h, &d.h,
                                       &d.wl, &d.wi, &d.b, &d.y, &d.h, &d.h, 0) == dnnl_success &&
           dnnl_primitive_desc_create(pd, &rd, st_dnnl_attr(), engine, NULL) == dnnl_success;
}

static st_arg_spec arg(int dnnl_arg, int is_output, const dnnl_memory_desc_t *user) {
    st_arg_spec s = {dnnl_arg, is_output, 0, *user};
    return s;
}

// The forward's nine arguments in pointer order; its outputs are inputs of the backward.
static void forward_args(st_arg_spec *args, const lstm_descs *u, int outputs_written) {
    args[0] = arg(DNNL_ARG_SRC_LAYER, 0, &u->x);
    args[1] = arg(DNNL_ARG_SRC_ITER, 0, &u->h);
    args[2] = arg(DNNL_ARG_SRC_ITER_C, 0, &u->h);
    args[3] = arg(DNNL_ARG_WEIGHTS_LAYER, 0, &u->wl);
    args[4] = arg(DNNL_ARG_WEIGHTS_ITER, 0, &u->wi);
    args[5] = arg(DNNL_ARG_BIAS, 0, &u->b);
    args[6] = arg(DNNL_ARG_DST_LAYER, outputs_written, &u->y);
    args[7] = arg(DNNL_ARG_DST_ITER, outputs_written, &u->h);
    args[8] = arg(DNNL_ARG_DST_ITER_C, outputs_written, &u->h);
}

static int build(dnnl_engine_t engine, const void *key, dnnl_primitive_desc_t *pd, st_arg_spec *args, int *nargs) {
    const lstm_key *k = key;
    lstm_descs u;
    descs(&k->g, &u, 0);
    if (k->kind < 2) {
        if (!forward_pd(engine, &k->g, (int)k->kind, pd)) return 0;
        forward_args(args, &u, 1);
        *nargs = 9;
        if (k->kind == 1) {
            args[9] = arg(DNNL_ARG_WORKSPACE, 1, dnnl_primitive_desc_query_md(*pd, dnnl_query_workspace_md, 0));
            *nargs = 10;
        }
        return 1;
    }
    dnnl_primitive_desc_t hint;
    if (!forward_pd(engine, &k->g, 1, &hint)) return 0;
    lstm_descs d;
    descs(&k->g, &d, 1);
    dnnl_rnn_desc_t rd;
    dnnl_rnn_direction_t dir = k->g.reverse ? dnnl_unidirectional_right2left : dnnl_unidirectional_left2right;
    int ok = dnnl_lstm_backward_desc_init(&rd, dnnl_backward, dir, &d.x, &d.h, &d.h, &d.wl, &d.wi, &d.b, &d.y, &d.h, &d.h,
                                          &d.x, &d.h, &d.h, &d.wl, &d.wi, &d.b, &d.y, &d.h, &d.h, 0) == dnnl_success &&
             dnnl_primitive_desc_create(pd, &rd, st_dnnl_attr(), engine, hint) == dnnl_success;
    if (ok) {
        const dnnl_memory_desc_t *ws = dnnl_primitive_desc_query_md(hint, dnnl_query_workspace_md, 0);
        forward_args(args, &u, 0);
        args[9] = arg(DNNL_ARG_WORKSPACE, 0, ws);
        args[10] = arg(DNNL_ARG_DIFF_DST_LAYER, 0, &u.y);
        args[11] = arg(DNNL_ARG_DIFF_DST_ITER, 0, &u.h);
        args[12] = arg(DNNL_ARG_DIFF_DST_ITER_C, 0, &u.h);
        args[13] = arg(DNNL_ARG_DIFF_SRC_LAYER, 1, &u.x);
        args[14] = arg(DNNL_ARG_DIFF_SRC_ITER, 1, &u.h);
        args[15] = arg(DNNL_ARG_DIFF_SRC_ITER_C, 1, &u.h);
        args[16] = arg(DNNL_ARG_DIFF_WEIGHTS_LAYER, 1, &u.wl);
        args[17] = arg(DNNL_ARG_DIFF_WEIGHTS_ITER, 1, &u.wi);
        args[18] = arg(DNNL_ARG_DIFF_BIAS, 1, &u.b);
        // oneDNN adds the weight and bias gradients into these
        args[16].zero_first = args[17].zero_first = args[18].zero_first = 1;
        *nargs = 19;
    }
    dnnl_primitive_desc_destroy(hint);
    return ok;
}

static st_dnnl_entry *lookup(int64_t kind, const st_lstm_geometry *g) {
    lstm_key key = {kind, *g};
    return st_dnnl_lookup(2, &key, sizeof(key), build);
}

size_t st_lstm_workspace_size(const st_lstm_geometry *g) {
    st_dnnl_entry *e = lookup(1, g);
    return e ? st_dnnl_arg_size(e, 9) : 0;
}

int st_lstm_forward_f32(const st_lstm_geometry *g, const float *x, const float *h0, const float *c0, const float *wih,
                        const float *whh, const float *bias, float *y, float *hn, float *cn, void *workspace) {
    st_dnnl_entry *e = lookup(workspace ? 1 : 0, g);
    if (!e) return 0;
    void *p[10] = {(void *)x, (void *)h0, (void *)c0, (void *)wih, (void *)whh, (void *)bias, y, hn, cn, workspace};
    return st_dnnl_execute(e, p);
}

int st_lstm_backward_f32(const st_lstm_geometry *g, const float *const *saved, void *workspace, const float *gy,
                         const float *ghn, const float *gcn, float *gx, float *gh0, float *gc0, float *gwih, float *gwhh, float *gbias) {
    st_dnnl_entry *e = lookup(2, g);
    if (!e) return 0;
    void *p[19] = {(void *)saved[0], (void *)saved[1], (void *)saved[2], (void *)saved[3], (void *)saved[4], (void *)saved[5],
                   (void *)saved[6], (void *)saved[7], (void *)saved[8], workspace, (void *)gy, (void *)ghn, (void *)gcn,
                   gx, gh0, gc0, gwih, gwhh, gbias};
    return st_dnnl_execute(e, p);
}
