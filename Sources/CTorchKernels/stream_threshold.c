#include "vector_math.h"
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

/// Bytes of the last-level cache one core sees: sysfs first (it gives the instance a
/// core shares; sysconf may sum all instances), else sysconf, else 32 MiB.
static int64_t last_level_cache_bytes(void) {
    FILE *f = fopen("/sys/devices/system/cpu/cpu0/cache/index3/size", "r");
    if (f) {
        long long size = 0;
        char unit = 0;
        int fields = fscanf(f, "%lld%c", &size, &unit);
        fclose(f);
        if (fields >= 1 && size > 0) return size * (unit == 'K' ? 1024 : unit == 'M' ? 1024 * 1024 : 1);
    }
    long size = sysconf(_SC_LEVEL3_CACHE_SIZE);
    return size > 0 ? size : 32 << 20;
}

static _Atomic int64_t threshold;

void st_set_stream_min_floats(int64_t floats) { atomic_store_explicit(&threshold, floats > 0 ? floats : 1, memory_order_relaxed); }

int64_t st_stream_min_floats(void) {
    int64_t t = atomic_load_explicit(&threshold, memory_order_relaxed);
    if (t == 0) {
        // A call's chunk is about 1/cores of the op, which reads about two such arrays
        // besides writing one: stream once the whole op outgrows the cache.
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        t = last_level_cache_bytes() / (int64_t)sizeof(float) / (3 * (cores > 0 ? cores : 1));
        if (t < (1 << 16)) t = 1 << 16;
        atomic_store_explicit(&threshold, t, memory_order_relaxed);
    }
    return t;
}
