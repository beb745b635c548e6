// Vectorised float32 kernels. The AVX-512 variants are compiled with per-function
// target attributes and chosen at run time, so the package needs no CPU flags.
#include "CTorchKernels.h"
#include "vector_math.h"
#include "elementwise512.h"
#include <math.h>
#include <stdint.h>

static int st_avx512_state = -1;

int st_has_avx512(void) {
    if (st_avx512_state < 0) {
        __builtin_cpu_init();
        st_avx512_state = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") ? 1 : 0;
    }
    return st_avx512_state;
}


// tanh as a [13/6] rational function of x on [-7.9, 7.9] (Eigen's fast tanh; at most
// about 1.3e-7 relative error), exactly x for tiny |x| and +-1 beyond.
// Loops are instantiated per kind and operand layout (constants after inlining), so
// no branch remains inside them.
AVX512 __attribute__((always_inline)) static inline void binary_loop(int kind, int sa, int sb, const float *a, const float *b,
                                                                      float *out, int64_t n) {
    int64_t i = 0;
    __m512 va1 = _mm512_set1_ps(a[0]), vb1 = _mm512_set1_ps(b[0]), one = _mm512_set1_ps(1.0f);
    if (n >= st_stream_min_floats()) {
        int64_t h = st_unaligned_head(out, n);
        if (h > 0) {
            __mmask16 m = (__mmask16)((1u << h) - 1);
            __m512 va = sa ? _mm512_maskz_loadu_ps(m, a) : va1, vb = sb ? _mm512_maskz_loadu_ps(m, b) : vb1;
            _mm512_mask_storeu_ps(out, m, binary512(kind, va, _mm512_mask_blend_ps(m, one, vb)));
            i = h;
        }
        for (; i + 16 <= n; i += 16) {
            __m512 va = sa ? _mm512_loadu_ps(a + i) : va1, vb = sb ? _mm512_loadu_ps(b + i) : vb1;
            _mm512_stream_ps(out + i, binary512(kind, va, vb));
        }
        _mm_sfence();
    }
    for (; i + 16 <= n; i += 16) {
        __m512 va = sa ? _mm512_loadu_ps(a + i) : va1, vb = sb ? _mm512_loadu_ps(b + i) : vb1;
        _mm512_storeu_ps(out + i, binary512(kind, va, vb));
    }
    if (i < n) {
        // masked-off lanes divide by 1, not by whatever the load left there
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        __m512 va = sa ? _mm512_maskz_loadu_ps(m, a + i) : va1, vb = sb ? _mm512_maskz_loadu_ps(m, b + i) : vb1;
        _mm512_mask_storeu_ps(out + i, m, binary512(kind, va, _mm512_mask_blend_ps(m, one, vb)));
    }
}

/// `sa`/`sb`: 1 for a contiguous operand, 0 for a broadcast scalar.
AVX512 static void binary_avx512(int kind, const float *a, int64_t sa, const float *b, int64_t sb, float *out, int64_t n) {
    ST_BINARY_DISPATCH(binary_loop, break)
}

void st_binary_f32(int kind, const float *a, int64_t sa, const float *b, int64_t sb, float *out, int64_t n) {
    if (n <= 0) return;
    if (kind == ST_GELU_BACKWARD && sa == 1 && sb == 1) {
        st_gelu_backward_f32(a, b, out, n);
        return;
    }
    if ((kind <= ST_DIV || kind == ST_THRESHOLD_BACKWARD) && n >= 16 && st_has_avx512()) { binary_avx512(kind, a, sa, b, sb, out, n); return; }
    for (int64_t i = 0; i < n; i++) {
        float x = a[i * sa], y = b[i * sb];
        switch (kind) {
        case ST_ADD: out[i] = x + y; break;
        case ST_SUB: out[i] = x - y; break;
        case ST_MUL: out[i] = x * y; break;
        case ST_DIV: out[i] = x / y; break;
        case ST_MAX: out[i] = (x != x || y != y) ? NAN : (x > y ? x : y); break;
        case ST_MIN: out[i] = (x != x || y != y) ? NAN : (x < y ? x : y); break;
        case ST_GELU_BACKWARD: st_gelu_backward_f32(&x, &y, out + i, 1); break;
        case ST_THRESHOLD_BACKWARD: out[i] = y <= 0 ? 0 : x; break;
        }
    }
}

AVX512 __attribute__((always_inline)) static inline void unary_loop(int kind, const float *x, float *out, int64_t n) {
    int64_t i = 0;
    if (n >= st_stream_min_floats() && ((uintptr_t)out & 3) == 0) {
        for (int64_t h = st_unaligned_head(out, n); i < h; i++) {
            __mmask16 m = 1;
            _mm512_mask_storeu_ps(out + i, m, unary512(kind, _mm512_maskz_loadu_ps(m, x + i)));
        }
        for (; i + 16 <= n; i += 16) _mm512_stream_ps(out + i, unary512(kind, _mm512_loadu_ps(x + i)));
        _mm_sfence();
    }
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(out + i, unary512(kind, _mm512_loadu_ps(x + i)));
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(out + i, m, unary512(kind, _mm512_maskz_loadu_ps(m, x + i)));
    }
}

AVX512 static void unary_avx512(int kind, const float *x, float *out, int64_t n) {
    switch (kind) {
    case ST_EXP: unary_loop(ST_EXP, x, out, n); break;
    case ST_TANH: unary_loop(ST_TANH, x, out, n); break;
    case ST_SIGMOID: unary_loop(ST_SIGMOID, x, out, n); break;
    case ST_RELU: unary_loop(ST_RELU, x, out, n); break;
    case ST_NEG: unary_loop(ST_NEG, x, out, n); break;
    case ST_SQRT: unary_loop(ST_SQRT, x, out, n); break;
    case ST_ABS: unary_loop(ST_ABS, x, out, n); break;
    case ST_RECIPROCAL: unary_loop(ST_RECIPROCAL, x, out, n); break;
    case ST_SQUARE: unary_loop(ST_SQUARE, x, out, n); break;
    case ST_RSQRT: unary_loop(ST_RSQRT, x, out, n); break;
    default: unary_loop(-1, x, out, n); break;
    }
}

int st_unary_f32(int kind, const float *x, float *out, int64_t n) {
    if (kind == ST_GELU) {
        st_gelu_f32(x, out, n);
        return 1;
    }
    if (kind == ST_LOG) return 0;
    if (!st_has_avx512()) return 0;
    unary_avx512(kind, x, out, n);
    return 1;
}

AVX512 static double sum_avx512(const float *x, int64_t n) {
    double total = 0;
    int64_t i = 0;
    const int64_t block = 4096;
    while (i < n) {
        int64_t end = i + block < n ? i + block : n;
        __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
        for (; i + 64 <= end; i += 64) {
            s0 = _mm512_add_ps(s0, _mm512_loadu_ps(x + i));
            s1 = _mm512_add_ps(s1, _mm512_loadu_ps(x + i + 16));
            s2 = _mm512_add_ps(s2, _mm512_loadu_ps(x + i + 32));
            s3 = _mm512_add_ps(s3, _mm512_loadu_ps(x + i + 48));
        }
        for (; i + 16 <= end; i += 16) s0 = _mm512_add_ps(s0, _mm512_loadu_ps(x + i));
        if (i < end) {
            __mmask16 m = (__mmask16)((1u << (end - i)) - 1);
            s1 = _mm512_add_ps(s1, _mm512_maskz_loadu_ps(m, x + i));
            i = end;
        }
        __m512 s = _mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3));
        __m256 lo = _mm512_castps512_ps256(s);
        __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(s), 1));
        __m512d d = _mm512_add_pd(_mm512_cvtps_pd(lo), _mm512_cvtps_pd(hi));
        total += _mm512_reduce_add_pd(d);
    }
    return total;
}

double st_sum_f32(const float *x, int64_t n) {
    if (st_has_avx512()) return sum_avx512(x, n);
    double total = 0;
    for (int64_t i = 0; i < n; i++) total += x[i];
    return total;
}

AVX512 static float extreme_avx512(const float *x, int64_t n, int is_max) {
    // four independent chains hide the max/min latency
    __m512 acc[4];
    for (int j = 0; j < 4; j++) acc[j] = _mm512_set1_ps(is_max ? -INFINITY : INFINITY);
    __mmask16 nan = 0;
    int64_t i = 0;
    for (; i + 64 <= n; i += 64) {
        for (int j = 0; j < 4; j++) {
            __m512 v = _mm512_loadu_ps(x + i + 16 * j);
            nan |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
            acc[j] = is_max ? _mm512_max_ps(acc[j], v) : _mm512_min_ps(acc[j], v);
        }
    }
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_loadu_ps(x + i);
        nan |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
        acc[0] = is_max ? _mm512_max_ps(acc[0], v) : _mm512_min_ps(acc[0], v);
    }
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        __m512 v = _mm512_mask_loadu_ps(acc[1], m, x + i);
        nan |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
        acc[1] = is_max ? _mm512_max_ps(acc[1], v) : _mm512_min_ps(acc[1], v);
    }
    if (nan) return NAN;
    __m512 a = is_max ? _mm512_max_ps(_mm512_max_ps(acc[0], acc[1]), _mm512_max_ps(acc[2], acc[3]))
                      : _mm512_min_ps(_mm512_min_ps(acc[0], acc[1]), _mm512_min_ps(acc[2], acc[3]));
    return is_max ? _mm512_reduce_max_ps(a) : _mm512_reduce_min_ps(a);
}

static float extreme_scalar(const float *x, int64_t n, int is_max) {
    float r = is_max ? -INFINITY : INFINITY;
    for (int64_t i = 0; i < n; i++) {
        if (x[i] != x[i]) return NAN;
        if (is_max ? x[i] > r : x[i] < r) r = x[i];
    }
    return r;
}

float st_max_f32(const float *x, int64_t n) { return st_has_avx512() ? extreme_avx512(x, n, 1) : extreme_scalar(x, n, 1); }
float st_min_f32(const float *x, int64_t n) { return st_has_avx512() ? extreme_avx512(x, n, 0) : extreme_scalar(x, n, 0); }

AVX512 static void softmax_row_avx512(const float *x, float *y, int64_t n, int log) {
    float mx = extreme_avx512(x, n, 1);
    __m512 vmax = _mm512_set1_ps(mx);
    __m512 acc = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 e = exp512(_mm512_sub_ps(_mm512_loadu_ps(x + i), vmax));
        acc = _mm512_add_ps(acc, e);
        if (!log) _mm512_storeu_ps(y + i, e);
    }
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        __m512 e = _mm512_maskz_mov_ps(m, exp512(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), vmax)));
        acc = _mm512_add_ps(acc, e);
        if (!log) _mm512_mask_storeu_ps(y + i, m, e);
    }
    float sum = _mm512_reduce_add_ps(acc);
    if (log) {
        __m512 shift = _mm512_set1_ps(mx + logf(sum));
        for (i = 0; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_sub_ps(_mm512_loadu_ps(x + i), shift));
        if (i < n) {
            __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
            _mm512_mask_storeu_ps(y + i, m, _mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), shift));
        }
    } else {
        __m512 inv = _mm512_set1_ps(1.0f / sum);
        for (i = 0; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_mul_ps(_mm512_loadu_ps(y + i), inv));
        if (i < n) {
            __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
            _mm512_mask_storeu_ps(y + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, y + i), inv));
        }
    }
}

static void softmax_row_scalar(const float *x, float *y, int64_t n, int log) {
    float mx = extreme_scalar(x, n, 1);
    double sum = 0;
    for (int64_t i = 0; i < n; i++) sum += expf(x[i] - mx);
    if (log) {
        float shift = mx + (float)logf((float)sum);
        for (int64_t i = 0; i < n; i++) y[i] = x[i] - shift;
    } else {
        float inv = (float)(1.0 / sum);
        for (int64_t i = 0; i < n; i++) y[i] = expf(x[i] - mx) * inv;
    }
}

void st_softmax_rows_f32(const float *x, float *y, int64_t rows, int64_t cols, int log) {
    int fast = st_has_avx512();
    for (int64_t r = 0; r < rows; r++) {
        if (fast) softmax_row_avx512(x + r * cols, y + r * cols, cols, log);
        else softmax_row_scalar(x + r * cols, y + r * cols, cols, log);
    }
}

void st_softmax_backward_rows_f32(const float *y, const float *gy, float *gx, int64_t rows, int64_t cols, int log) {
    for (int64_t r = 0; r < rows; r++) {
        const float *yr = y + r * cols, *gr = gy + r * cols;
        float *out = gx + r * cols;
        double s = 0;
        if (log) {
            for (int64_t i = 0; i < cols; i++) s += gr[i];
            for (int64_t i = 0; i < cols; i++) out[i] = gr[i] - expf(yr[i]) * (float)s;
        } else {
            for (int64_t i = 0; i < cols; i++) s += (double)gr[i] * yr[i];
            for (int64_t i = 0; i < cols; i++) out[i] = yr[i] * (gr[i] - (float)s);
        }
    }
}

void st_gemm_f64(int64_t M, int64_t N, int64_t K,
                 const double *A, int64_t lda_row, int64_t lda_col,
                 const double *B, int64_t ldb_row, int64_t ldb_col,
                 double *C, int64_t ldc, double beta) {
    for (int64_t i = 0; i < M; i++) {
        double *c = C + i * ldc;
        if (beta == 0) { for (int64_t j = 0; j < N; j++) c[j] = 0; }
        else if (beta != 1) { for (int64_t j = 0; j < N; j++) c[j] *= beta; }
        for (int64_t k = 0; k < K; k++) {
            double a = A[i * lda_row + k * lda_col];
            const double *b = B + k * ldb_row;
            if (ldb_col == 1) { for (int64_t j = 0; j < N; j++) c[j] += a * b[j]; }
            else { for (int64_t j = 0; j < N; j++) c[j] += a * b[j * ldb_col]; }
        }
    }
}

AVX512 static void adam_avx512(float *p, const float *g, float *m, float *v, float *vmax, int64_t n,
                                float lr, float beta1, float beta2, float eps, float wd, int decoupled, int maximize,
                                float bias_correction1, float bias_correction2_sqrt) {
    const __m512 step = _mm512_set1_ps(-(lr / bias_correction1)), decay = _mm512_set1_ps(1.0f - lr * wd);
    const __m512 w1 = _mm512_set1_ps(1.0f - beta1), w2 = _mm512_set1_ps(1.0f - beta2), b2 = _mm512_set1_ps(beta2);
    const __m512 vwd = _mm512_set1_ps(wd), veps = _mm512_set1_ps(eps), bc2 = _mm512_set1_ps(bias_correction2_sqrt);
    const __m512 zero = _mm512_setzero_ps();
    for (int64_t i = 0; i < n; i += 16) {
        __mmask16 k = tail_mask(n - i);
        __m512 grad = _mm512_maskz_loadu_ps(k, g + i);
        if (maximize) grad = _mm512_sub_ps(zero, grad);
        __m512 param = _mm512_maskz_loadu_ps(k, p + i);
        if (decoupled) param = _mm512_mul_ps(param, decay);
        else if (wd != 0.0f) grad = _mm512_fmadd_ps(vwd, param, grad);
        __m512 mi = _mm512_maskz_loadu_ps(k, m + i);
        mi = _mm512_fmadd_ps(w1, _mm512_sub_ps(grad, mi), mi);
        __m512 vi = _mm512_fmadd_ps(w2, _mm512_mul_ps(grad, grad), _mm512_mul_ps(b2, _mm512_maskz_loadu_ps(k, v + i)));
        _mm512_mask_storeu_ps(m + i, k, mi);
        _mm512_mask_storeu_ps(v + i, k, vi);
        __m512 vv = vi;
        if (vmax) {
            vv = _mm512_max_ps(_mm512_maskz_loadu_ps(k, vmax + i), vi);
            _mm512_mask_storeu_ps(vmax + i, k, vv);
        }
        __m512 denom = _mm512_add_ps(_mm512_div_ps(_mm512_sqrt_ps(vv), bc2), veps);
        __m512 out = _mm512_fmadd_ps(step, _mm512_div_ps(mi, _mm512_mask_blend_ps(k, _mm512_set1_ps(1.0f), denom)), param);
        _mm512_mask_storeu_ps(p + i, k, out);
    }
}

void st_adam_f32(float *p, const float *g, float *m, float *v, float *vmax, int64_t n,
                 float lr, float beta1, float beta2, float eps, float wd, int decoupled, int maximize,
                 float bias_correction1, float bias_correction2_sqrt) {
    if (st_has_avx512()) {
        adam_avx512(p, g, m, v, vmax, n, lr, beta1, beta2, eps, wd, decoupled, maximize, bias_correction1, bias_correction2_sqrt);
        return;
    }
    const float step_size = lr / bias_correction1;
    const float decay = 1.0f - lr * wd;
    const float w1 = 1.0f - beta1, w2 = 1.0f - beta2;
    for (int64_t i = 0; i < n; i++) {
        float grad = maximize ? -g[i] : g[i];
        float param = p[i];
        if (decoupled) param *= decay;
        else if (wd != 0.0f) grad = grad + wd * param;
        float mi = m[i] + w1 * (grad - m[i]);
        float vi = beta2 * v[i] + w2 * (grad * grad);
        m[i] = mi;
        v[i] = vi;
        float vv = vi;
        if (vmax) {
            vv = vmax[i] > vi ? vmax[i] : vi;
            vmax[i] = vv;
        }
        float denom = sqrtf(vv) / bias_correction2_sqrt + eps;
        p[i] = param + (-step_size) * (mi / denom);
    }
}

AVX512 static void sgd_avx512(float *p, const float *g, float *buf, int64_t n, float lr, float momentum, float dampening,
                              float wd, int nesterov, int maximize, int first) {
    const __m512 vlr = _mm512_set1_ps(lr), vm = _mm512_set1_ps(momentum), vd = _mm512_set1_ps(1.0f - dampening);
    const __m512 vwd = _mm512_set1_ps(wd), zero = _mm512_setzero_ps();
    for (int64_t i = 0; i < n; i += 16) {
        __mmask16 k = tail_mask(n - i);
        __m512 d = _mm512_maskz_loadu_ps(k, g + i);
        if (maximize) d = _mm512_sub_ps(zero, d);
        __m512 param = _mm512_maskz_loadu_ps(k, p + i);
        if (wd != 0.0f) d = _mm512_fmadd_ps(vwd, param, d);
        if (buf) {
            __m512 b = first ? d : _mm512_fmadd_ps(_mm512_maskz_loadu_ps(k, buf + i), vm, _mm512_mul_ps(vd, d));
            _mm512_mask_storeu_ps(buf + i, k, b);
            d = nesterov ? _mm512_fmadd_ps(vm, b, d) : b;
        }
        _mm512_mask_storeu_ps(p + i, k, _mm512_fnmadd_ps(vlr, d, param));
    }
}

typedef struct {
    float *p; const float *g; float *buf; int64_t n, chunks;
    float lr, momentum, dampening, wd; int nesterov, maximize, first;
} sgd_job;

static void sgd_chunk(void *ctx, int64_t c) {
    sgd_job *j = ctx;
    int64_t s = j->n * c / j->chunks, e = j->n * (c + 1) / j->chunks;
    sgd_avx512(j->p + s, j->g + s, j->buf ? j->buf + s : NULL, e - s, j->lr, j->momentum, j->dampening, j->wd,
               j->nesterov, j->maximize, j->first);
}

void st_sgd_f32(float *p, const float *g, float *buf, int64_t n, float lr, float momentum, float dampening, float wd,
                int nesterov, int maximize, int first) {
    if (st_has_avx512()) {
        int64_t chunks = n / 65536 < st_max_threads() ? n / 65536 : st_max_threads();
        sgd_job job = {p, g, buf, n, chunks > 1 ? chunks : 1, lr, momentum, dampening, wd, nesterov, maximize, first};
        if (job.chunks > 1) st_parallel_chunks(job.chunks, sgd_chunk, &job);
        else sgd_chunk(&job, 0);
        return;
    }
    for (int64_t i = 0; i < n; i++) {
        float d = maximize ? -g[i] : g[i];
        if (wd != 0.0f) d = d + wd * p[i];
        if (buf) {
            float b = first ? d : buf[i] * momentum + (1.0f - dampening) * d;
            buf[i] = b;
            d = nesterov ? d + momentum * b : b;
        }
        p[i] = p[i] - lr * d;
    }
}
