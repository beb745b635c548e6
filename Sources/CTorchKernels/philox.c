// Philox-4x32-10 in bulk: block k (counter = offset + k, key = seed) gives four 32-bit
// words, written in order. The AVX-512 path runs eight blocks at once and produces
// exactly the scalar sequence.
#include "CTorchKernels.h"
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,fma")))

static inline void philox_block(uint64_t counter, uint64_t key, uint32_t out[4]) {
    uint32_t c0 = (uint32_t)counter, c1 = (uint32_t)(counter >> 32), c2 = 0, c3 = 0;
    uint32_t k0 = (uint32_t)key, k1 = (uint32_t)(key >> 32);
    for (int r = 0; r < 10; r++) {
        uint64_t p0 = (uint64_t)0xD2511F53u * c0, p1 = (uint64_t)0xCD9E8D57u * c2;
        uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0, n1 = (uint32_t)p1;
        uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1, n3 = (uint32_t)p0;
        c0 = n0; c1 = n1; c2 = n2; c3 = n3;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

// Eight blocks: 32 words in block order.
AVX512 static void philox8(uint64_t counter, uint64_t key, uint32_t *out) {
    const __m512i lo32 = _mm512_set1_epi64(0xFFFFFFFFll);
    __m512i ctr = _mm512_add_epi64(_mm512_set1_epi64((long long)counter), _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7));
    __m512i c0 = _mm512_and_si512(ctr, lo32), c1 = _mm512_srli_epi64(ctr, 32);
    __m512i c2 = _mm512_setzero_si512(), c3 = _mm512_setzero_si512();
    uint32_t k0 = (uint32_t)key, k1 = (uint32_t)(key >> 32);
    const __m512i m0 = _mm512_set1_epi64(0xD2511F53ll), m1 = _mm512_set1_epi64(0xCD9E8D57ll);
    for (int r = 0; r < 10; r++) {
        __m512i p0 = _mm512_mul_epu32(c0, m0), p1 = _mm512_mul_epu32(c2, m1);
        __m512i n0 = _mm512_xor_si512(_mm512_xor_si512(_mm512_srli_epi64(p1, 32), c1), _mm512_set1_epi64(k0));
        __m512i n2 = _mm512_xor_si512(_mm512_xor_si512(_mm512_srli_epi64(p0, 32), c3), _mm512_set1_epi64(k1));
        c1 = _mm512_and_si512(p1, lo32);
        c3 = _mm512_and_si512(p0, lo32);
        c0 = n0;
        c2 = n2;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    __m256i w0 = _mm512_cvtepi64_epi32(c0), w1 = _mm512_cvtepi64_epi32(c1);
    __m256i w2 = _mm512_cvtepi64_epi32(c2), w3 = _mm512_cvtepi64_epi32(c3);
    __m256i t0 = _mm256_unpacklo_epi32(w0, w1), t1 = _mm256_unpackhi_epi32(w0, w1);
    __m256i t2 = _mm256_unpacklo_epi32(w2, w3), t3 = _mm256_unpackhi_epi32(w2, w3);
    __m256i r0 = _mm256_unpacklo_epi64(t0, t2), r1 = _mm256_unpackhi_epi64(t0, t2);
    __m256i r2 = _mm256_unpacklo_epi64(t1, t3), r3 = _mm256_unpackhi_epi64(t1, t3);
    _mm256_storeu_si256((__m256i *)(out + 0), _mm256_permute2x128_si256(r0, r1, 0x20));
    _mm256_storeu_si256((__m256i *)(out + 8), _mm256_permute2x128_si256(r2, r3, 0x20));
    _mm256_storeu_si256((__m256i *)(out + 16), _mm256_permute2x128_si256(r0, r1, 0x31));
    _mm256_storeu_si256((__m256i *)(out + 24), _mm256_permute2x128_si256(r2, r3, 0x31));
}

static inline void to_float(const uint32_t *bits, float *out, int64_t n, float keep, float scale, int as_mask) {
    // u = (bits >> 8) / 2^24, as Generator.uniformFloat
    for (int64_t i = 0; i < n; i++) {
        float u = (float)(bits[i] >> 8) * (1.0f / 16777216.0f);
        out[i] = as_mask ? (u < keep ? scale : 0.0f) : u;
    }
}

void st_philox_uniform_f32(uint64_t seed, uint64_t offset, int64_t blocks, float *out, float keep, float scale, int as_mask) {
    uint32_t bits[32];
    int64_t k = 0;
    if (st_has_avx512()) {
        for (; k + 8 <= blocks; k += 8) {
            philox8(offset + (uint64_t)k, seed, bits);
            to_float(bits, out + 4 * k, 32, keep, scale, as_mask);
        }
    }
    for (; k < blocks; k++) {
        philox_block(offset + (uint64_t)k, seed, bits);
        to_float(bits, out + 4 * k, 4, keep, scale, as_mask);
    }
}
