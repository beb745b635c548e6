// Parallel loops on the OpenMP runtime that oneDNN already loaded (libgomp), so
// GEMMs and elementwise kernels share one thread pool instead of competing for the
// cores. libgomp is found at run time; without it loops run serially.
#include "CTorchKernels.h"
#include <dlfcn.h>
#include <stddef.h>

typedef void (*gomp_parallel_fn)(void (*)(void *), void *, unsigned, unsigned);
typedef int (*omp_int_fn)(void);
typedef void (*omp_set_fn)(int);

static gomp_parallel_fn gomp_parallel;
static omp_int_fn omp_thread_num, omp_num_threads, omp_max_threads, omp_in_parallel;
static omp_set_fn omp_set_threads;
static int resolved;

static void resolve(void) {
    if (resolved) return;
    void *h = dlopen("libgomp.so.1", RTLD_NOW | RTLD_NOLOAD);
    if (!h) h = dlopen("libgomp.so.1", RTLD_NOW);
    if (h) {
        gomp_parallel = (gomp_parallel_fn)dlsym(h, "GOMP_parallel");
        omp_thread_num = (omp_int_fn)dlsym(h, "omp_get_thread_num");
        omp_num_threads = (omp_int_fn)dlsym(h, "omp_get_num_threads");
        omp_max_threads = (omp_int_fn)dlsym(h, "omp_get_max_threads");
        omp_in_parallel = (omp_int_fn)dlsym(h, "omp_in_parallel");
        omp_set_threads = (omp_set_fn)dlsym(h, "omp_set_num_threads");
        if (!gomp_parallel || !omp_thread_num || !omp_num_threads || !omp_max_threads || !omp_in_parallel) gomp_parallel = NULL;
    }
    __atomic_store_n(&resolved, 1, __ATOMIC_RELEASE);
}

struct st_job { st_chunk_fn fn; void *ctx; int64_t chunks; };

static void trampoline(void *p) {
    struct st_job *job = (struct st_job *)p;
    int64_t tid = omp_thread_num(), nt = omp_num_threads();
    for (int64_t c = tid; c < job->chunks; c += nt) job->fn(job->ctx, c);
}

void st_parallel_chunks(int64_t chunks, st_chunk_fn fn, void *ctx) {
    resolve();
    if (chunks <= 1 || !gomp_parallel || omp_in_parallel()) {
        for (int64_t c = 0; c < chunks; c++) fn(ctx, c);
        return;
    }
    struct st_job job = { fn, ctx, chunks };
    int64_t threads = omp_max_threads();
    gomp_parallel(trampoline, &job, (unsigned)(chunks < threads ? chunks : threads), 0);
}

int st_max_threads(void) {
    resolve();
    return gomp_parallel ? omp_max_threads() : 1;
}

void st_set_num_threads(int n) {
    resolve();
    if (omp_set_threads && n > 0) omp_set_threads(n);
}
