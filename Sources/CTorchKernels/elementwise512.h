// One 16-lane step of the elementwise ops, shared by the float32 and bfloat16 kernels.
#ifndef ST_ELEMENTWISE512_H
#define ST_ELEMENTWISE512_H

#include "CTorchKernels.h"
#include "vector_math.h"

AVX512 static inline __m512 tanh512(__m512 x) {
    // Lanes beyond the bound may overflow to inf/NaN here; they are replaced by +-1 below.
    const __m512 bound = _mm512_set1_ps(7.90531110763549805f);
    __m512 x2 = _mm512_mul_ps(x, x);
    __m512 p = _mm512_fmadd_ps(x2, _mm512_set1_ps(-2.76076847742355e-16f), _mm512_set1_ps(2.00018790482477e-13f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-8.60467152213735e-11f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(5.12229709037114e-08f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(1.48572235717979e-05f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(6.37261928875436e-04f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(4.89352455891786e-03f));
    p = _mm512_mul_ps(x, p);
    __m512 q = _mm512_fmadd_ps(x2, _mm512_set1_ps(1.19825839466702e-06f), _mm512_set1_ps(1.18534705686654e-04f));
    q = _mm512_fmadd_ps(x2, q, _mm512_set1_ps(2.26843463243900e-03f));
    q = _mm512_fmadd_ps(x2, q, _mm512_set1_ps(4.89352518554385e-03f));
    __m512 t = _mm512_mul_ps(p, reciprocal512(q));
    __m512 ax = _mm512_abs_ps(x);
    t = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(ax, _mm512_set1_ps(0.0004f), _CMP_LT_OQ), t, x);
    // 1.0 with the sign bit of x (ternary logic 0xB8: sign-mask bit ? x : one); NaN fails both compares and stays NaN
    __m512i signed_one = _mm512_ternarylogic_epi32(_mm512_castps_si512(_mm512_set1_ps(1.0f)),
                                                   _mm512_set1_epi32((int)0x80000000), _mm512_castps_si512(x), 0xB8);
    __mmask16 beyond = _mm512_cmp_ps_mask(ax, bound, _CMP_GT_OQ);
    t = _mm512_mask_blend_ps(beyond, t, _mm512_castsi512_ps(signed_one));
    // Up to |x| = 9.01 float32 tanh is still below 1: 1 - 2 e^(-2|x|) there, without cancellation.
    __mmask16 tail = beyond & _mm512_cmp_ps_mask(ax, _mm512_set1_ps(9.02f), _CMP_LT_OQ);
    if (tail) {
        __m512 e = exp512(_mm512_mul_ps(ax, _mm512_set1_ps(-2.0f)));
        __m512 magnitude = _mm512_fnmadd_ps(e, _mm512_set1_ps(2.0f), _mm512_set1_ps(1.0f));
        __m512 sign = _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32((int)0x80000000)));
        t = _mm512_mask_blend_ps(tail, t, _mm512_or_ps(magnitude, sign));
    }
    return t;
}

AVX512 static inline __m512 binary512(int kind, __m512 va, __m512 vb) {
    switch (kind) {
    case ST_ADD: return _mm512_add_ps(va, vb);
    case ST_SUB: return _mm512_sub_ps(va, vb);
    case ST_MUL: return _mm512_mul_ps(va, vb);
    case ST_DIV: return _mm512_div_ps(va, vb);
    default: return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(vb, _mm512_setzero_ps(), _CMP_NLE_UQ), va);  // threshold backward
    }
}

// The switch over the vectorised binary kinds, each instantiating LOOP(kind, sa, sb, a, b,
// out, n) per operand layout (1: contiguous, 0: one broadcast value), so the loops
// have constant kind and strides; unknown kinds run DEFAULT.
#define ST_BINARY_DISPATCH(LOOP, DEFAULT)                                                   \
    switch (kind) {                                                                          \
    ST_BINARY_LAYOUTS(LOOP, ST_ADD)                                                          \
    ST_BINARY_LAYOUTS(LOOP, ST_SUB)                                                          \
    ST_BINARY_LAYOUTS(LOOP, ST_MUL)                                                          \
    ST_BINARY_LAYOUTS(LOOP, ST_DIV)                                                          \
    ST_BINARY_LAYOUTS(LOOP, ST_THRESHOLD_BACKWARD)                                           \
    default: DEFAULT;                                                                        \
    }
#define ST_BINARY_LAYOUTS(LOOP, K)                                                           \
    case K:                                                                                  \
        if (sa && sb) LOOP(K, 1, 1, a, b, out, n);                                           \
        else if (sa) LOOP(K, 1, 0, a, b, out, n);                                            \
        else if (sb) LOOP(K, 0, 1, a, b, out, n);                                            \
        else LOOP(K, 0, 0, a, b, out, n);                                                    \
        break;

AVX512 static inline __m512 unary512(int kind, __m512 x) {
    __m512 one = _mm512_set1_ps(1.0f);
    switch (kind) {
    case ST_EXP: return exp512(x);
    case ST_TANH: return tanh512(x);
    case ST_SIGMOID: return _mm512_div_ps(one, _mm512_add_ps(one, exp512(_mm512_sub_ps(_mm512_setzero_ps(), x))));
    case ST_RELU: {
        // relu keeps NaN: max(0, NaN) must be NaN
        __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
        return _mm512_mask_blend_ps(nan, _mm512_max_ps(x, _mm512_setzero_ps()), x);
    }
    case ST_NEG: return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(x), _mm512_set1_epi32((int)0x80000000)));  // -0 for 0, like -x
    case ST_SQRT: return _mm512_sqrt_ps(x);
    case ST_ABS: return _mm512_abs_ps(x);
    case ST_RECIPROCAL: return _mm512_div_ps(one, x);
    case ST_SQUARE: return _mm512_mul_ps(x, x);
    case ST_RSQRT: return _mm512_div_ps(one, _mm512_sqrt_ps(x));
    default: return x;
    }
}

#endif
