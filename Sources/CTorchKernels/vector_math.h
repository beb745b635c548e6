// Vector math shared by the AVX-512 kernels (compiled per function for AVX-512 and
// chosen at run time, so the package needs no CPU flags).
#ifndef ST_VECTOR_MATH_H
#define ST_VECTOR_MATH_H

#include <immintrin.h>
#include <stdint.h>

#define AVX512 __attribute__((target("avx512f,avx512dq,fma")))

// exp(x) to about 1 ulp: x = n ln2 + r, |r| <= ln2/2, exp(r) by a degree-7 polynomial, scaled by 2^n.
AVX512 static inline __m512 exp512(__m512 x) {
    x = _mm512_max_ps(_mm512_set1_ps(-104.0f), _mm512_min_ps(_mm512_set1_ps(89.0f), x));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.0f / 5040.0f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
}

// 1/d to about 1 ulp: the 14-bit estimate refined by one Newton step (a division
// costs several times more on this hardware).
// Lanes of a 16-lane step with `left` elements still to go.
static inline __mmask16 tail_mask(int64_t left) { return left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1); }

AVX512 static inline __m512 reciprocal512(__m512 d) {
    __m512 r = _mm512_rcp14_ps(d);
    return _mm512_mul_ps(r, _mm512_fnmadd_ps(d, r, _mm512_set1_ps(2.0f)));
}

// Outputs of at least st_stream_min_floats() floats per call (CTorchKernels.h) do not stay
// in the last-level cache: their stores bypass it (non-temporal), which saves reading each
// destination line first.
#include "CTorchKernels.h"

// Elements before `out` is 64-byte aligned (where the streaming loop can start).
static inline int64_t st_unaligned_head(const float *out, int64_t n) {
    int64_t h = (int64_t)((64 - ((uintptr_t)out & 63)) & 63) / 4;
    return h < n ? h : n;
}

#endif
