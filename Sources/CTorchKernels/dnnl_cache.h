// Cached oneDNN primitives over caller-owned buffers in plain layouts. Each argument
// computes in the layout the primitive prefers; reorders from (inputs) and to
// (outputs) the plain layout run around the primitive.
#ifndef ST_DNNL_CACHE_H
#define ST_DNNL_CACHE_H

#include <oneapi/dnnl/dnnl.h>
#include <stddef.h>

enum { ST_DNNL_MAX_ARGS = 20 };

typedef struct {
    int dnnl_arg;
    int is_output;
    /// The primitive adds into this output, so it is zeroed first.
    int zero_first;
    /// Layout of the caller's buffer.
    dnnl_memory_desc_t user;
} st_arg_spec;

/// Builds the primitive descriptor for `key` and describes its arguments, in the order
/// the caller passes their pointers. Returns 0 on failure.
typedef int (*st_build_fn)(dnnl_engine_t engine, const void *key, dnnl_primitive_desc_t *pd, st_arg_spec *args, int *nargs);

typedef struct st_dnnl_entry st_dnnl_entry;

/// The attributes every primitive built for the cache must be created with (a scratchpad the cache provides).
const_dnnl_primitive_attr_t st_dnnl_attr(void);

/// The cached primitive of (`op`, `key`), built on first use; NULL when oneDNN cannot run it.
st_dnnl_entry *st_dnnl_lookup(int op, const void *key, size_t key_size, st_build_fn build);
/// Runs it on the caller's buffers (one pointer per argument). Returns 0 on failure.
int st_dnnl_execute(st_dnnl_entry *e, void *const *pointers);
/// Bytes of argument `i` in its plain layout.
size_t st_dnnl_arg_size(const st_dnnl_entry *e, int i);

#endif
