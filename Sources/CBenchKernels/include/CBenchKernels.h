#ifndef C_BENCH_KERNELS_H
#define C_BENCH_KERNELS_H

/// The machine's float32 peak as measured: `threads` threads each run independent
/// fused multiply-adds on the widest vectors the CPU has (AVX-512 when present, else
/// AVX2) for about `seconds`; returns GFLOP/s (an FMA counts as two operations).
double st_fma_peak_gflops(int threads, double seconds);

#endif
