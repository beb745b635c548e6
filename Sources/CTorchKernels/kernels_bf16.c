// bfloat16 elementwise kernels: 16 lanes widened to float32, the float32 step, then
// rounded to nearest even (NaN stays a quiet NaN), as BFloat16(Float) does.
#include "CTorchKernels.h"
#include "elementwise512.h"

#define ST_BF16_AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,fma")))

int st_bf16_kernels_available(void) {
    static int state = -1;
    if (state < 0) {
        __builtin_cpu_init();
        state = st_has_avx512() && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
    }
    return state;
}

ST_BF16_AVX512 static inline __m512 load_bf16(const uint16_t *p, __mmask16 m) {
    __m512i wide = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, p));
    return _mm512_castsi512_ps(_mm512_slli_epi32(wide, 16));
}

ST_BF16_AVX512 static inline void store_bf16(uint16_t *p, __m512 x, __mmask16 m) {
    __m512i bits = _mm512_castps_si512(x);
    __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(1));
    __m512i rounded = _mm512_srli_epi32(_mm512_add_epi32(bits, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7FFF))), 16);
    __m512i quiet_nan = _mm512_or_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(0x40));
    __m512i r = _mm512_mask_blend_epi32(_mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), rounded, quiet_nan);
    _mm256_mask_storeu_epi16(p, m, _mm512_cvtepi32_epi16(r));
}

ST_BF16_AVX512 __attribute__((always_inline)) static inline void binary_bf16_loop(int kind, int sa, int sb, const uint16_t *a,
                                                                                  const uint16_t *b, uint16_t *out, int64_t n) {
    __m512 va1 = _mm512_set1_ps(_mm512_cvtss_f32(load_bf16(a, 1))), vb1 = _mm512_set1_ps(_mm512_cvtss_f32(load_bf16(b, 1)));
    __m512 one = _mm512_set1_ps(1.0f);
    for (int64_t i = 0; i < n; i += 16) {
        __mmask16 m = tail_mask(n - i);
        __m512 va = sa ? load_bf16(a + i, m) : va1, vb = sb ? load_bf16(b + i, m) : vb1;
        // masked-off lanes divide by 1, not by whatever the load left there
        store_bf16(out + i, binary512(kind, va, _mm512_mask_blend_ps(m, one, vb)), m);
    }
}

ST_BF16_AVX512 static int binary_bf16(int kind, const uint16_t *a, int64_t sa, const uint16_t *b, int64_t sb, uint16_t *out,
                                      int64_t n) {
    ST_BINARY_DISPATCH(binary_bf16_loop, return 0)
    return 1;
}

int st_binary_bf16(int kind, const uint16_t *a, int64_t sa, const uint16_t *b, int64_t sb, uint16_t *out, int64_t n) {
    if (n <= 0) return 1;
    return st_bf16_kernels_available() ? binary_bf16(kind, a, sa, b, sb, out, n) : 0;
}

ST_BF16_AVX512 __attribute__((always_inline)) static inline void unary_bf16_loop(int kind, const uint16_t *x, uint16_t *out,
                                                                                 int64_t n) {
    for (int64_t i = 0; i < n; i += 16) {
        __mmask16 m = tail_mask(n - i);
        store_bf16(out + i, unary512(kind, load_bf16(x + i, m)), m);
    }
}

ST_BF16_AVX512 static int unary_bf16(int kind, const uint16_t *x, uint16_t *out, int64_t n) {
    switch (kind) {
    case ST_EXP: unary_bf16_loop(ST_EXP, x, out, n); return 1;
    case ST_TANH: unary_bf16_loop(ST_TANH, x, out, n); return 1;
    case ST_SIGMOID: unary_bf16_loop(ST_SIGMOID, x, out, n); return 1;
    case ST_RELU: unary_bf16_loop(ST_RELU, x, out, n); return 1;
    case ST_NEG: unary_bf16_loop(ST_NEG, x, out, n); return 1;
    case ST_SQRT: unary_bf16_loop(ST_SQRT, x, out, n); return 1;
    case ST_ABS: unary_bf16_loop(ST_ABS, x, out, n); return 1;
    case ST_RECIPROCAL: unary_bf16_loop(ST_RECIPROCAL, x, out, n); return 1;
    case ST_SQUARE: unary_bf16_loop(ST_SQUARE, x, out, n); return 1;
    case ST_RSQRT: unary_bf16_loop(ST_RSQRT, x, out, n); return 1;
    default: return 0;
    }
}

int st_unary_bf16(int kind, const uint16_t *x, uint16_t *out, int64_t n) {
    if (n <= 0) return 1;
    return st_bf16_kernels_available() ? unary_bf16(kind, x, out, n) : 0;
}

ST_BF16_AVX512 static void widen(const uint16_t *x, float *out, int64_t n) {
    for (int64_t i = 0; i < n; i += 16) {
        __mmask16 m = tail_mask(n - i);
        _mm512_mask_storeu_ps(out + i, m, load_bf16(x + i, m));
    }
}

ST_BF16_AVX512 static void narrow(const float *x, uint16_t *out, int64_t n) {
    for (int64_t i = 0; i < n; i += 16) {
        __mmask16 m = tail_mask(n - i);
        store_bf16(out + i, _mm512_maskz_loadu_ps(m, x + i), m);
    }
}

int st_bf16_to_f32(const uint16_t *x, float *out, int64_t n) {
    if (!st_bf16_kernels_available()) return 0;
    widen(x, out, n);
    return 1;
}

int st_f32_to_bf16(const float *x, uint16_t *out, int64_t n) {
    if (!st_bf16_kernels_available()) return 0;
    narrow(x, out, n);
    return 1;
}
