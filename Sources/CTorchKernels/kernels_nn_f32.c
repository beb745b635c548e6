// Fused float32 kernels of nn ops PyTorch runs as single kernels: GELU (exact) and
// its gradient, layer norm forward and backward, and column sums. AVX-512 variants
// are chosen at run time; the scalar code is the reference for other CPUs.
#include "CTorchKernels.h"
#include "vector_math.h"
#include <math.h>


// erf as a [13/8] rational function of x on [-4, 4] (Eigen's fast erf; about 7e-8
// absolute error), +-1 beyond.
AVX512 static inline __m512 erf512(__m512 a) {
    const __m512 bound = _mm512_set1_ps(4.0f);
    __m512 x = _mm512_max_ps(_mm512_sub_ps(_mm512_setzero_ps(), bound), _mm512_min_ps(bound, a));
    __m512 x2 = _mm512_mul_ps(x, x);
    __m512 p = _mm512_fmadd_ps(x2, _mm512_set1_ps(-2.72614225801306e-10f), _mm512_set1_ps(2.77068142495902e-08f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-2.10102402082508e-06f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-5.69250639462346e-05f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-7.34990630326855e-04f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-2.95459980854025e-03f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-1.60960333262415e-02f));
    p = _mm512_mul_ps(x, p);
    __m512 q = _mm512_fmadd_ps(x2, _mm512_set1_ps(-1.45660718464996e-05f), _mm512_set1_ps(-2.13374055278905e-04f));
    q = _mm512_fmadd_ps(x2, q, _mm512_set1_ps(-1.68282697438203e-03f));
    q = _mm512_fmadd_ps(x2, q, _mm512_set1_ps(-7.37332916720468e-03f));
    q = _mm512_fmadd_ps(x2, q, _mm512_set1_ps(-1.42647390514189e-02f));
    return _mm512_mul_ps(p, reciprocal512(q));
}

AVX512 static inline __m512 gelu512(__m512 v) {
    __m512 cdf = _mm512_mul_ps(_mm512_set1_ps(0.5f),
                               _mm512_add_ps(_mm512_set1_ps(1.0f), erf512(_mm512_mul_ps(v, _mm512_set1_ps(0.70710678118654752f)))));
    return _mm512_mul_ps(v, cdf);
}

AVX512 static void gelu_avx512(const float *x, float *y, int64_t n) {
    int64_t i = 0;
    if (n >= st_stream_min_floats()) {
        int64_t h = st_unaligned_head(y, n);
        if (h > 0) {
            __mmask16 k = tail_mask(h);
            _mm512_mask_storeu_ps(y, k, gelu512(_mm512_maskz_loadu_ps(k, x)));
            i = h;
        }
        for (; i + 16 <= n; i += 16) _mm512_stream_ps(y + i, gelu512(_mm512_loadu_ps(x + i)));
        _mm_sfence();
    }
    for (; i < n; i += 16) {
        __mmask16 k = tail_mask(n - i);
        _mm512_mask_storeu_ps(y + i, k, gelu512(_mm512_maskz_loadu_ps(k, x + i)));
    }
}

void st_gelu_f32(const float *x, float *y, int64_t n) {
    if (st_has_avx512()) { gelu_avx512(x, y, n); return; }
    for (int64_t i = 0; i < n; i++) y[i] = x[i] * 0.5f * (1.0f + erff(x[i] * 0.70710678118654752f));
}

AVX512 static void gelu_backward_avx512(const float *gy, const float *x, float *gx, int64_t n) {
    const __m512 half = _mm512_set1_ps(0.5f), one = _mm512_set1_ps(1.0f);
    for (int64_t i = 0; i < n; i += 16) {
        __mmask16 k = tail_mask(n - i);
        __m512 v = _mm512_maskz_loadu_ps(k, x + i);
        __m512 cdf = _mm512_mul_ps(half, _mm512_add_ps(one, erf512(_mm512_mul_ps(v, _mm512_set1_ps(0.70710678118654752f)))));
        __m512 pdf = _mm512_mul_ps(exp512(_mm512_mul_ps(_mm512_set1_ps(-0.5f), _mm512_mul_ps(v, v))),
                                   _mm512_set1_ps(0.39894228040143268f));
        __m512 d = _mm512_fmadd_ps(v, pdf, cdf);
        _mm512_mask_storeu_ps(gx + i, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, gy + i), d));
    }
}

void st_gelu_backward_f32(const float *gy, const float *x, float *gx, int64_t n) {
    if (st_has_avx512()) { gelu_backward_avx512(gy, x, gx, n); return; }
    for (int64_t i = 0; i < n; i++) {
        float v = x[i];
        float cdf = 0.5f * (1.0f + erff(v * 0.70710678118654752f));
        float pdf = expf(-0.5f * v * v) * 0.39894228040143268f;
        gx[i] = gy[i] * (cdf + v * pdf);
    }
}

AVX512 static float hsum(__m512 v) { return _mm512_reduce_add_ps(v); }

AVX512 static void layer_norm_avx512(const float *x, const float *w, const float *b, float *y, float *mean, float *rstd,
                                     int64_t rows, int64_t cols, float eps) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        __m512 acc = _mm512_setzero_ps();
        for (int64_t j = 0; j < cols; j += 16) acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(tail_mask(cols - j), xr + j));
        float mu = hsum(acc) / (float)cols;
        __m512 vmu = _mm512_set1_ps(mu);
        acc = _mm512_setzero_ps();
        for (int64_t j = 0; j < cols; j += 16) {
            __mmask16 k = tail_mask(cols - j);
            __m512 d = _mm512_maskz_sub_ps(k, _mm512_maskz_loadu_ps(k, xr + j), vmu);
            acc = _mm512_fmadd_ps(d, d, acc);
        }
        float rs = 1.0f / sqrtf(hsum(acc) / (float)cols + eps);
        __m512 vrs = _mm512_set1_ps(rs);
        for (int64_t j = 0; j < cols; j += 16) {
            __mmask16 k = tail_mask(cols - j);
            __m512 v = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, xr + j), vmu), vrs);
            if (w) v = _mm512_mul_ps(v, _mm512_maskz_loadu_ps(k, w + j));
            if (b) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(k, b + j));
            _mm512_mask_storeu_ps(yr + j, k, v);
        }
        mean[r] = mu;
        rstd[r] = rs;
    }
}

void st_layer_norm_f32(const float *x, const float *w, const float *b, float *y, float *mean, float *rstd,
                       int64_t rows, int64_t cols, float eps) {
    if (st_has_avx512()) { layer_norm_avx512(x, w, b, y, mean, rstd, rows, cols, eps); return; }
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float s = 0, q = 0;
        for (int64_t j = 0; j < cols; j++) s += xr[j];
        float mu = s / (float)cols;
        for (int64_t j = 0; j < cols; j++) q += (xr[j] - mu) * (xr[j] - mu);
        float rs = 1.0f / sqrtf(q / (float)cols + eps);
        for (int64_t j = 0; j < cols; j++) {
            float v = (xr[j] - mu) * rs;
            if (w) v *= w[j];
            if (b) v += b[j];
            y[r * cols + j] = v;
        }
        mean[r] = mu;
        rstd[r] = rs;
    }
}

AVX512 static void layer_norm_backward_avx512(const float *gy, const float *x, const float *mean, const float *rstd, const float *w,
                                              float *gx, float *gw, float *gb, int64_t rows, int64_t cols) {
    for (int64_t r = 0; r < rows; r++) {
        const float *gr = gy + r * cols, *xr = x + r * cols;
        __m512 vmu = _mm512_set1_ps(mean[r]), vrs = _mm512_set1_ps(rstd[r]);
        __m512 sg = _mm512_setzero_ps(), sgx = _mm512_setzero_ps();
        for (int64_t j = 0; j < cols; j += 16) {
            __mmask16 k = tail_mask(cols - j);
            __m512 g = _mm512_maskz_loadu_ps(k, gr + j);
            __m512 xhat = _mm512_maskz_mul_ps(k, _mm512_sub_ps(_mm512_maskz_loadu_ps(k, xr + j), vmu), vrs);
            if (gw) _mm512_mask_storeu_ps(gw + j, k, _mm512_fmadd_ps(g, xhat, _mm512_maskz_loadu_ps(k, gw + j)));
            if (gb) _mm512_mask_storeu_ps(gb + j, k, _mm512_add_ps(g, _mm512_maskz_loadu_ps(k, gb + j)));
            if (w) g = _mm512_mul_ps(g, _mm512_maskz_loadu_ps(k, w + j));
            sg = _mm512_add_ps(sg, g);
            sgx = _mm512_fmadd_ps(g, xhat, sgx);
        }
        if (!gx) continue;
        __m512 mg = _mm512_set1_ps(hsum(sg) / (float)cols), mgx = _mm512_set1_ps(hsum(sgx) / (float)cols);
        float *out = gx + r * cols;
        for (int64_t j = 0; j < cols; j += 16) {
            __mmask16 k = tail_mask(cols - j);
            __m512 g = _mm512_maskz_loadu_ps(k, gr + j);
            if (w) g = _mm512_mul_ps(g, _mm512_maskz_loadu_ps(k, w + j));
            __m512 xhat = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, xr + j), vmu), vrs);
            __m512 v = _mm512_sub_ps(_mm512_sub_ps(g, mg), _mm512_mul_ps(xhat, mgx));
            _mm512_mask_storeu_ps(out + j, k, _mm512_mul_ps(v, vrs));
        }
    }
}

void st_layer_norm_backward_f32(const float *gy, const float *x, const float *mean, const float *rstd, const float *w,
                                float *gx, float *gw, float *gb, int64_t rows, int64_t cols) {
    if (st_has_avx512()) { layer_norm_backward_avx512(gy, x, mean, rstd, w, gx, gw, gb, rows, cols); return; }
    for (int64_t r = 0; r < rows; r++) {
        const float *gr = gy + r * cols, *xr = x + r * cols;
        float mu = mean[r], rs = rstd[r], sg = 0, sgx = 0;
        for (int64_t j = 0; j < cols; j++) {
            float xhat = (xr[j] - mu) * rs, g = gr[j];
            if (gw) gw[j] += g * xhat;
            if (gb) gb[j] += g;
            if (w) g *= w[j];
            sg += g;
            sgx += g * xhat;
        }
        if (!gx) continue;
        float mg = sg / (float)cols, mgx = sgx / (float)cols;
        for (int64_t j = 0; j < cols; j++) {
            float g = w ? gr[j] * w[j] : gr[j];
            gx[r * cols + j] = rs * (g - mg - (xr[j] - mu) * rs * mgx);
        }
    }
}

// Rows are summed in float blocks of 256 and the blocks in double, which keeps long
// columns accurate.
AVX512 static void colsum_avx512(const float *x, int64_t rows, int64_t cols, int64_t ld, float *out) {
    for (int64_t j = 0; j < cols; j += 16) {
        __mmask16 k = tail_mask(cols - j);
        __m512d lo = _mm512_setzero_pd(), hi = _mm512_setzero_pd();
        for (int64_t r0 = 0; r0 < rows; r0 += 256) {
            int64_t r1 = r0 + 256 < rows ? r0 + 256 : rows;
            __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
            int64_t r = r0;
            for (; r + 1 < r1; r += 2) {
                a0 = _mm512_add_ps(a0, _mm512_maskz_loadu_ps(k, x + r * ld + j));
                a1 = _mm512_add_ps(a1, _mm512_maskz_loadu_ps(k, x + (r + 1) * ld + j));
            }
            if (r < r1) a0 = _mm512_add_ps(a0, _mm512_maskz_loadu_ps(k, x + r * ld + j));
            a0 = _mm512_add_ps(a0, a1);
            lo = _mm512_add_pd(lo, _mm512_cvtps_pd(_mm512_castps512_ps256(a0)));
            hi = _mm512_add_pd(hi, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a0), 1))));
        }
        __m512 s = _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(lo)), _mm512_cvtpd_ps(hi), 1);
        _mm512_mask_storeu_ps(out + j, k, s);
    }
}

void st_colsum_f32(const float *x, int64_t rows, int64_t cols, int64_t ld, float *out) {
    if (st_has_avx512()) { colsum_avx512(x, rows, cols, ld, out); return; }
    for (int64_t j = 0; j < cols; j++) {
        double s = 0;
        for (int64_t r = 0; r < rows; r++) s += x[r * ld + j];
        out[j] = (float)s;
    }
}

// Batch-norm building blocks over one contiguous plane of n floats.
// sum of g * (x - mean), or of (x - mean)^2 without g; float lanes, double per 4096.
AVX512 static double sum_dev_product_avx512(const float *g, const float *x, int64_t n, float mean) {
    __m512 vm = _mm512_set1_ps(mean);
    double total = 0;
    for (int64_t i0 = 0; i0 < n; i0 += 4096) {
        int64_t i1 = i0 + 4096 < n ? i0 + 4096 : n;
        __m512 acc = _mm512_setzero_ps();
        for (int64_t i = i0; i < i1; i += 16) {
            __mmask16 k = tail_mask(i1 - i);
            __m512 d = _mm512_maskz_sub_ps(k, _mm512_maskz_loadu_ps(k, x + i), vm);
            acc = _mm512_fmadd_ps(g ? _mm512_maskz_loadu_ps(k, g + i) : d, d, acc);
        }
        total += hsum(acc);
    }
    return total;
}

double st_sum_dev_product_f32(const float *g, const float *x, int64_t n, float mean) {
    if (st_has_avx512()) return sum_dev_product_avx512(g, x, n, mean);
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += (double)(g ? g[i] : x[i] - mean) * (x[i] - mean);
    return s;
}

AVX512 static void affine2_avx512(const float *a, const float *b, int64_t n, float ka, float kb, float k0, float *out) {
    __m512 va = _mm512_set1_ps(ka), vb = _mm512_set1_ps(kb), v0 = _mm512_set1_ps(k0);
    for (int64_t i = 0; i < n; i += 16) {
        __mmask16 k = tail_mask(n - i);
        __m512 r = v0;
        if (a) r = _mm512_fmadd_ps(va, _mm512_maskz_loadu_ps(k, a + i), r);
        r = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(k, b + i), r);
        _mm512_mask_storeu_ps(out + i, k, r);
    }
}

void st_affine2_f32(const float *a, const float *b, int64_t n, float ka, float kb, float k0, float *out) {
    if (st_has_avx512()) { affine2_avx512(a, b, n, ka, kb, k0, out); return; }
    for (int64_t i = 0; i < n; i++) out[i] = (a ? ka * a[i] : 0.0f) + kb * b[i] + k0;
}
