// Batched matrix products through oneDNN's matmul primitive, on the caller's strided
// operands (no reorders): float32 (for small products it has less overhead than
// dnnl_sgemm) and bfloat16 (float32 accumulation, on the CPU's bf16 dot products).
// Declines (returns 0) where oneDNN would only run its reference kernel.
#include "CTorchKernels.h"
#include "dnnl_cache.h"
#include <string.h>

typedef struct {
    int64_t dtype;  // dnnl_data_type_t of all three operands
    int64_t batch, m, k, n;
    int64_t a_strides[3], b_strides[3];
} matmul_key;

static int build(dnnl_engine_t engine, const void *key, dnnl_primitive_desc_t *pd, st_arg_spec *args, int *nargs) {
    const matmul_key *k = key;
    dnnl_dims_t ad = {k->batch, k->m, k->k}, bd = {k->batch, k->k, k->n}, cd = {k->batch, k->m, k->n};
    dnnl_dims_t as = {k->a_strides[0], k->a_strides[1], k->a_strides[2]};
    dnnl_dims_t bs = {k->b_strides[0], k->b_strides[1], k->b_strides[2]};
    dnnl_memory_desc_t a, b, c;
    dnnl_data_type_t t = (dnnl_data_type_t)k->dtype;
    if (dnnl_memory_desc_init_by_strides(&a, 3, ad, t, as) != dnnl_success ||
        dnnl_memory_desc_init_by_strides(&b, 3, bd, t, bs) != dnnl_success ||
        dnnl_memory_desc_init_by_tag(&c, 3, cd, t, dnnl_abc) != dnnl_success) return 0;
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

static int matmul(dnnl_data_type_t dtype, int64_t batch, int64_t m, int64_t k, int64_t n, const void *a,
                  const int64_t a_strides[3], const void *b, const int64_t b_strides[3], void *c) {
    matmul_key key;
    memset(&key, 0, sizeof(key));
    key.dtype = dtype;
    key.batch = batch; key.m = m; key.k = k; key.n = n;
    memcpy(key.a_strides, a_strides, sizeof(key.a_strides));
    memcpy(key.b_strides, b_strides, sizeof(key.b_strides));
    st_dnnl_entry *e = st_dnnl_lookup(4, &key, sizeof(key), build);
    if (!e) return 0;
    void *pointers[3] = {(void *)a, (void *)b, c};
    return st_dnnl_execute(e, pointers);
}

int st_matmul_f32(int64_t batch, int64_t m, int64_t k, int64_t n, const float *a, const int64_t a_strides[3],
                  const float *b, const int64_t b_strides[3], float *c) {
    return matmul(dnnl_f32, batch, m, k, n, a, a_strides, b, b_strides, c);
}

int st_matmul_bf16(int64_t batch, int64_t m, int64_t k, int64_t n, const uint16_t *a, const int64_t a_strides[3],
                   const uint16_t *b, const int64_t b_strides[3], uint16_t *c) {
    return matmul(dnnl_bf16, batch, m, k, n, a, a_strides, b, b_strides, c);
}
