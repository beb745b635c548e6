#include "CBenchKernels.h"
#include <immintrin.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#define ACCUMULATORS 12   /* more independent chains than FMA latency x ports */

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Each round is ACCUMULATORS FMAs of `lanes` floats; returns the flops done. */
__attribute__((target("avx512f")))
static double fma_rounds_avx512(int64_t rounds, float *sink) {
    __m512 acc[ACCUMULATORS];
    for (int i = 0; i < ACCUMULATORS; i++) acc[i] = _mm512_set1_ps((float)i);
    const __m512 b = _mm512_set1_ps(0.9999999f), c = _mm512_set1_ps(1e-7f);
    for (int64_t r = 0; r < rounds; r++) {
        for (int i = 0; i < ACCUMULATORS; i++) acc[i] = _mm512_fmadd_ps(acc[i], b, c);
    }
    __m512 s = acc[0];
    for (int i = 1; i < ACCUMULATORS; i++) s = _mm512_add_ps(s, acc[i]);
    *sink = _mm512_reduce_add_ps(s);
    return (double)rounds * ACCUMULATORS * 16 * 2;
}

__attribute__((target("avx2,fma")))
static double fma_rounds_avx2(int64_t rounds, float *sink) {
    __m256 acc[ACCUMULATORS];
    for (int i = 0; i < ACCUMULATORS; i++) acc[i] = _mm256_set1_ps((float)i);
    const __m256 b = _mm256_set1_ps(0.9999999f), c = _mm256_set1_ps(1e-7f);
    for (int64_t r = 0; r < rounds; r++) {
        for (int i = 0; i < ACCUMULATORS; i++) acc[i] = _mm256_fmadd_ps(acc[i], b, c);
    }
    float lanes[8];
    __m256 s = acc[0];
    for (int i = 1; i < ACCUMULATORS; i++) s = _mm256_add_ps(s, acc[i]);
    _mm256_storeu_ps(lanes, s);
    *sink = lanes[0];
    return (double)rounds * ACCUMULATORS * 8 * 2;
}

typedef struct { int64_t rounds; double flops; float sink; } worker;

static void *run_worker(void *arg) {
    worker *w = arg;
    w->flops = __builtin_cpu_supports("avx512f") ? fma_rounds_avx512(w->rounds, &w->sink)
                                                 : fma_rounds_avx2(w->rounds, &w->sink);
    return NULL;
}

double st_fma_peak_gflops(int threads, double seconds) {
    if (threads < 1) threads = 1;
    if (threads > 256) threads = 256;
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return 0;
    /* calibrate the rounds on one thread, then run all threads together */
    worker probe = {1 << 20, 0, 0};
    double t0 = now_seconds();
    run_worker(&probe);
    double per_round = (now_seconds() - t0) / (double)probe.rounds;
    int64_t rounds = per_round > 0 ? (int64_t)(seconds / per_round) : probe.rounds;
    if (rounds < 1) rounds = 1;
    pthread_t ids[256];
    worker work[256];
    t0 = now_seconds();
    for (int i = 0; i < threads; i++) {
        work[i] = (worker){rounds, 0, 0};
        if (pthread_create(&ids[i], NULL, run_worker, &work[i]) != 0) return 0;
    }
    double flops = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(ids[i], NULL);
        flops += work[i].flops;
    }
    double elapsed = now_seconds() - t0;
    return elapsed > 0 ? flops / elapsed * 1e-9 : 0;
}
