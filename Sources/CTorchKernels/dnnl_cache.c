#include "dnnl_cache.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    st_arg_spec spec;
    dnnl_memory_t user;     // over the caller's pointer
    dnnl_memory_t inner;    // the primitive's layout (== user when no reorder is needed)
    dnnl_primitive_t reorder;
    size_t inner_size;
    size_t scratch_offset;  // where `inner` lives in the shared scratch when reordered
    dnnl_memory_t reorder_scratchpad;
} bound_arg;

struct st_dnnl_entry {
    int op;
    void *key;
    size_t key_size;
    dnnl_primitive_t primitive;
    bound_arg args[ST_DNNL_MAX_ARGS];
    int nargs;
    dnnl_memory_t scratchpad;
    size_t scratch_size;      // reordered copies, then the largest scratchpad of the entry's primitives
    size_t scratchpad_offset;
    struct st_dnnl_entry *next;
};

static dnnl_engine_t engine;
static dnnl_stream_t stream;
// oneDNN's own scratchpads are thread-local to the thread that created the primitive,
// while ours run on whichever thread calls; every primitive therefore takes its
// scratchpad from the caller (the shared scratch below).
static dnnl_primitive_attr_t user_scratchpad;
static int engine_state;      // 0 untried, 1 ready, -1 failed
static st_dnnl_entry *cache;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
// The reordered copies of all primitives share one buffer, sized for the largest
// primitive (primitives run one at a time under this lock), rather than each
// primitive keeping its own.
static pthread_mutex_t execute_lock = PTHREAD_MUTEX_INITIALIZER;
static void *scratch;
static size_t scratch_capacity;

static int ensure_engine(void) {
    if (engine_state == 0) {
        if (dnnl_engine_create(&engine, dnnl_cpu, 0) == dnnl_success &&
            dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) == dnnl_success &&
            dnnl_primitive_attr_create(&user_scratchpad) == dnnl_success &&
            dnnl_primitive_attr_set_scratchpad_mode(user_scratchpad, dnnl_scratchpad_mode_user) == dnnl_success) engine_state = 1;
        else engine_state = -1;
    }
    return engine_state == 1;
}

const_dnnl_primitive_attr_t st_dnnl_attr(void) { return user_scratchpad; }

static void destroy_entry(st_dnnl_entry *e) {
    for (int i = 0; i < e->nargs; i++) {
        bound_arg *a = &e->args[i];
        if (a->reorder) dnnl_primitive_destroy(a->reorder);
        if (a->reorder_scratchpad) dnnl_memory_destroy(a->reorder_scratchpad);
        if (a->inner && a->inner != a->user) dnnl_memory_destroy(a->inner);
        if (a->user) dnnl_memory_destroy(a->user);
    }
    if (e->primitive) dnnl_primitive_destroy(e->primitive);
    if (e->scratchpad) dnnl_memory_destroy(e->scratchpad);
    free(e->key);
    free(e);
}

/// The memory for `pd`'s scratchpad (NULL when it needs none); `largest` grows to its size.
static int bind_scratchpad(const_dnnl_primitive_desc_t pd, dnnl_memory_t *memory, size_t *largest) {
    const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    size_t size = md ? dnnl_memory_desc_get_size(md) : 0;
    if (size == 0) return 1;
    if (size > *largest) *largest = size;
    return dnnl_memory_create(memory, md, engine, DNNL_MEMORY_NONE) == dnnl_success;
}

static int bind_arg(bound_arg *a, const dnnl_memory_desc_t *inner_md, size_t *scratch_size, size_t *largest_scratchpad) {
    if (dnnl_memory_create(&a->user, &a->spec.user, engine, DNNL_MEMORY_NONE) != dnnl_success) return 0;
    a->inner_size = dnnl_memory_desc_get_size(inner_md);
    if (dnnl_memory_desc_equal(&a->spec.user, inner_md)) {
        a->inner = a->user;
        return 1;
    }
    a->scratch_offset = *scratch_size;
    *scratch_size += (a->inner_size + 63) / 64 * 64;
    if (dnnl_memory_create(&a->inner, inner_md, engine, DNNL_MEMORY_NONE) != dnnl_success) return 0;
    const dnnl_memory_desc_t *from = a->spec.is_output ? inner_md : &a->spec.user;
    const dnnl_memory_desc_t *to = a->spec.is_output ? &a->spec.user : inner_md;
    dnnl_primitive_desc_t rpd;
    if (dnnl_reorder_primitive_desc_create(&rpd, from, engine, to, engine, user_scratchpad) != dnnl_success) return 0;
    int ok = dnnl_primitive_create(&a->reorder, rpd) == dnnl_success &&
             bind_scratchpad(rpd, &a->reorder_scratchpad, largest_scratchpad);
    dnnl_primitive_desc_destroy(rpd);
    return ok;
}

static st_dnnl_entry *create_entry(int op, const void *key, size_t key_size, st_build_fn build) {
    st_dnnl_entry *e = calloc(1, sizeof(st_dnnl_entry));
    if (!e) return NULL;
    e->op = op;
    e->key_size = key_size;
    e->key = malloc(key_size);
    st_arg_spec specs[ST_DNNL_MAX_ARGS];
    int nargs = 0;
    dnnl_primitive_desc_t pd = NULL;
    int ok = e->key != NULL && build(engine, key, &pd, specs, &nargs) && nargs <= ST_DNNL_MAX_ARGS;
    if (ok) {
        memcpy(e->key, key, key_size);
        ok = dnnl_primitive_create(&e->primitive, pd) == dnnl_success;
    }
    size_t largest_scratchpad = 0;
    ok = ok && bind_scratchpad(pd, &e->scratchpad, &largest_scratchpad);
    for (int i = 0; ok && i < nargs; i++) {
        e->args[i].spec = specs[i];
        e->nargs = i + 1;
        ok = bind_arg(&e->args[i], dnnl_primitive_desc_query_md(pd, dnnl_query_exec_arg_md, specs[i].dnnl_arg), &e->scratch_size,
                      &largest_scratchpad);
    }
    e->scratchpad_offset = e->scratch_size;
    e->scratch_size += largest_scratchpad;
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (!ok) {
        destroy_entry(e);
        return NULL;
    }
    return e;
}

/* Shapes beyond this many per kind of primitive (a model with ever-changing shapes)
   get no primitive, so the cache cannot grow without bound; callers fall back. */
enum { ST_DNNL_MAX_ENTRIES_PER_OP = 256 };

static int entries_of(int op) {
    int count = 0;
    for (st_dnnl_entry *e = cache; e; e = e->next) count += e->op == op;
    return count;
}

static st_dnnl_entry *failed_entry(int op, const void *key, size_t key_size) {
    st_dnnl_entry *e = calloc(1, sizeof(st_dnnl_entry));
    if (!e) return NULL;
    e->op = op;
    e->key_size = key_size;
    e->key = malloc(key_size);
    if (!e->key) {
        free(e);
        return NULL;
    }
    memcpy(e->key, key, key_size);
    return e;
}

st_dnnl_entry *st_dnnl_lookup(int op, const void *key, size_t key_size, st_build_fn build) {
    pthread_mutex_lock(&cache_lock);
    st_dnnl_entry *e = NULL;
    if (ensure_engine()) {
        e = cache;
        while (e && !(e->op == op && e->key_size == key_size && memcmp(e->key, key, key_size) == 0)) e = e->next;
        if (!e && entries_of(op) < ST_DNNL_MAX_ENTRIES_PER_OP) {
            e = create_entry(op, key, key_size, build);
            if (!e) e = failed_entry(op, key, key_size);  // remembered, so the build is not retried
            if (e) {
                e->next = cache;
                cache = e;
            }
        }
    }
    pthread_mutex_unlock(&cache_lock);
    return e && e->primitive ? e : NULL;
}

/// Runs `p` with `args` (room for one more) and its scratchpad, if it has one, placed in the shared scratch.
static int run(dnnl_primitive_t p, int nargs, dnnl_exec_arg_t *args, dnnl_memory_t scratchpad, size_t offset) {
    if (scratchpad) {
        if (dnnl_memory_set_data_handle(scratchpad, (char *)scratch + offset) != dnnl_success) return 0;
        args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, scratchpad};
    }
    return dnnl_primitive_execute(p, stream, nargs, args) == dnnl_success;
}

int st_dnnl_execute(st_dnnl_entry *e, void *const *pointers) {
    dnnl_exec_arg_t args[ST_DNNL_MAX_ARGS + 1];
    int ok = 1;
    pthread_mutex_lock(&execute_lock);
    if (e->scratch_size > scratch_capacity) {
        free(scratch);
        scratch = aligned_alloc(64, e->scratch_size);
        scratch_capacity = scratch ? e->scratch_size : 0;
        if (!scratch) ok = 0;
    }
    for (int i = 0; i < e->nargs && ok; i++) {
        bound_arg *a = &e->args[i];
        ok = dnnl_memory_set_data_handle(a->user, pointers[i]) == dnnl_success;
        args[i] = (dnnl_exec_arg_t){a->spec.dnnl_arg, a->inner};
        if (!ok) break;
        void *inner = a->inner == a->user ? pointers[i] : (char *)scratch + a->scratch_offset;
        if (a->inner != a->user) ok = dnnl_memory_set_data_handle(a->inner, inner) == dnnl_success;
        if (a->spec.zero_first) memset(inner, 0, a->inner_size);
        if (a->reorder && !a->spec.is_output) {
            dnnl_exec_arg_t r[3] = {{DNNL_ARG_FROM, a->user}, {DNNL_ARG_TO, a->inner}};
            ok = run(a->reorder, 2, r, a->reorder_scratchpad, e->scratchpad_offset);
        }
    }
    if (ok) ok = run(e->primitive, e->nargs, args, e->scratchpad, e->scratchpad_offset);
    for (int i = 0; i < e->nargs && ok; i++) {
        bound_arg *a = &e->args[i];
        if (a->reorder && a->spec.is_output) {
            dnnl_exec_arg_t r[3] = {{DNNL_ARG_FROM, a->inner}, {DNNL_ARG_TO, a->user}};
            ok = run(a->reorder, 2, r, a->reorder_scratchpad, e->scratchpad_offset);
        }
    }
    pthread_mutex_unlock(&execute_lock);
    return ok;
}

size_t st_dnnl_arg_size(const st_dnnl_entry *e, int i) {
    return i < e->nargs ? dnnl_memory_desc_get_size(&e->args[i].spec.user) : 0;
}
