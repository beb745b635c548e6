// float32 batched matrix product through oneDNN's matmul primitive, on the caller's
// strided operands (no reorders): for small products it has less overhead than
// dnnl_sgemm. Declines (returns 0) where oneDNN would only run its reference kernel.
#include "CTorchKernels.h"
#include "dnnl_cache.h"
#include <string.h>

typedef struct {
    int64_t batch, m, k, n;
    int64_t a_strides[3], b_strides[3];
} matmul_key;

static int build(dnnl_engine_t engine, const void *key, dnnl_primitive_desc_t *pd, st_arg_spec *args, int *nargs) {
    const matmul_key *k = key;
    dnnl_dims_t ad = {k->batch, k->m, k->k}, bd = {k->batch, k->k, k->n}, cd = {k->batch, k->m, k->n};
    dnnl_dims_t as = {k->a_strides[0], k->a_strides[1], k->a_strides[2]};
    dnnl_dims_t bs = {k->b_strides[0], k->b_strides[1], k->b_strides[2]};
    dnnl_memory_desc_t a, b, c;
    if (dnnl_memory_desc_init_by_strides(&a, 3, ad, dnnl_f32, as) != dnnl_success ||
        dnnl_memory_desc_init_by_strides(&b, 3, bd, dnnl_f32, bs) != dnnl_success ||
        dnnl_memory_desc_init_by_tag(&c, 3, cd, dnnl_f32, dnnl_abc) != dnnl_success) return 0;
    dnnl_matmul_desc_t md;
    if (dnnl_matmul_desc_init(&md, &a, &b, NULL, &c) != dnnl_success ||
        dnnl_primitive_desc_create(pd, &md, st_dnnl_attr(), engine, NULL) != dnnl_success) return 0;
    const char *impl = NULL;
    if (dnnl_primitive_desc_query(*pd, dnnl_query_impl_info_str, 0, &impl) != dnnl_success || !impl || strstr(impl, "ref")) {
        dnnl_primitive_desc_destroy(*pd);
        *pd = NULL;
        return 0;
    }
    args[0] = (st_arg_spec){DNNL_ARG_SRC, 0, 0, a};
    args[1] = (st_arg_spec){DNNL_ARG_WEIGHTS, 0, 0, b};
    args[2] = (st_arg_spec){DNNL_ARG_DST, 1, 0, c};
    *nargs = 3;
    return 1;
}

int st_matmul_f32(int64_t batch, int64_t m, int64_t k, int64_t n, const float *a, const int64_t a_strides[3],
                  const float *b, const int64_t b_strides[3], float *c) {
    matmul_key key;
    memset(&key, 0, sizeof(key));
    key.batch = batch; key.m = m; key.k = k; key.n = n;
    memcpy(key.a_strides, a_strides, sizeof(key.a_strides));
    memcpy(key.b_strides, b_strides, sizeof(key.b_strides));
    st_dnnl_entry *e = st_dnnl_lookup(4, &key, sizeof(key), build);
    if (!e) return 0;
    void *pointers[3] = {(void *)a, (void *)b, c};
    return st_dnnl_execute(e, pointers);
}
