#ifndef CTORCHKERNELS_H
#define CTORCHKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A unit of parallel work: chunk `chunk` of a loop.
typedef void (*st_chunk_fn)(void *ctx, int64_t chunk);
/// Runs fn(ctx, 0..<chunks) on the OpenMP pool shared with oneDNN (serially when
/// there is none, or when already inside a parallel region).
void st_parallel_chunks(int64_t chunks, st_chunk_fn fn, void *ctx);
/// The next number of a process-wide counter (the creation order of autograd nodes).
int64_t st_next_sequence_nr(void);

/// Elementwise kernels write outputs of at least this many floats per call with
/// non-temporal stores (default: sized from the last-level cache). Setting it changes
/// only speed, never values.
int64_t st_stream_min_floats(void);
void st_set_stream_min_floats(int64_t floats);

/// Threads of the shared pool, and setting them (`omp_set_num_threads`).
int st_max_threads(void);
void st_set_num_threads(int n);

/// 1 when the CPU runs the AVX-512 kernels, 0 when the portable ones run.
int st_has_avx512(void);

/// Contiguous float32 binary kernels: out[i] = a[i] op b[i]. `sa`/`sb` are 0 or 1
/// (0 broadcasts a single value).
/// ST_GELU_BACKWARD: a is the upstream gradient, b the GELU input.
/// ST_THRESHOLD_BACKWARD: b <= 0 ? 0 : a (ReLU's backward; a NaN b passes a).
typedef enum {
    ST_ADD = 0, ST_SUB = 1, ST_MUL = 2, ST_DIV = 3, ST_MAX = 4, ST_MIN = 5, ST_GELU_BACKWARD = 6, ST_THRESHOLD_BACKWARD = 7
} st_binary_kind;
void st_binary_f32(int kind, const float *a, int64_t sa, const float *b, int64_t sb, float *out, int64_t n);

/// Contiguous float32 unary kernels.
typedef enum {
    ST_EXP = 0, ST_LOG = 1, ST_TANH = 2, ST_SIGMOID = 3, ST_RELU = 4, ST_NEG = 5,
    ST_SQRT = 6, ST_ABS = 7, ST_RECIPROCAL = 8, ST_SQUARE = 9, ST_RSQRT = 10, ST_GELU = 11
} st_unary_kind;
/// Returns 0 when the kind has no fast kernel (the caller then uses its generic loop).
int st_unary_f32(int kind, const float *x, float *out, int64_t n);

/// bfloat16 (as uint16 bits) versions of st_binary_f32 / st_unary_f32, computing in
/// float32 and rounding to nearest even; 0 where the CPU lacks AVX-512 (BW, VL) or the
/// kind has no vector step (the caller then runs its own loop).
int st_bf16_kernels_available(void);
int st_binary_bf16(int kind, const uint16_t *a, int64_t sa, const uint16_t *b, int64_t sb, uint16_t *out, int64_t n);
int st_unary_bf16(int kind, const uint16_t *x, uint16_t *out, int64_t n);
/// Contiguous conversions between bfloat16 and float32; 0 without AVX-512.
int st_bf16_to_f32(const uint16_t *x, float *out, int64_t n);
int st_f32_to_bf16(const float *x, uint16_t *out, int64_t n);

/// Sum of n contiguous floats, accumulated in float vectors per block and in double across blocks.
double st_sum_f32(const float *x, int64_t n);
/// Max / min of n contiguous floats (NaN propagates).
float st_max_f32(const float *x, int64_t n);
float st_min_f32(const float *x, int64_t n);

/// Row-wise softmax (log_softmax when `log` is 1) of `rows` contiguous rows of `cols` floats.
void st_softmax_rows_f32(const float *x, float *y, int64_t rows, int64_t cols, int log);
/// Backward of row-wise softmax: gx = y * (gy - sum(gy*y)); log: gx = gy - exp(y) * sum(gy).
void st_softmax_backward_rows_f32(const float *y, const float *gy, float *gx, int64_t rows, int64_t cols, int log);

/// out[rows, cols] (+)= row-major A[M,K] x B[K,N] for doubles, with arbitrary strides.
void st_gemm_f64(int64_t M, int64_t N, int64_t K,
                 const double *A, int64_t lda_row, int64_t lda_col,
                 const double *B, int64_t ldb_row, int64_t ldb_col,
                 double *C, int64_t ldc, double beta);

/// One SGD step over n contiguous float32 values as PyTorch's single-tensor SGD computes it;
/// `buf` is the momentum buffer (NULL without momentum), initialised from the step when `first`.
void st_sgd_f32(float *p, const float *g, float *buf, int64_t n, float lr, float momentum, float dampening, float wd,
                int nesterov, int maximize, int first);
/// One Adam/AdamW step over n contiguous float32 values, as PyTorch's single-tensor
/// Adam computes it (vmax is NULL without amsgrad).
void st_adam_f32(float *p, const float *g, float *m, float *v, float *vmax, int64_t n,
                 float lr, float beta1, float beta2, float eps, float wd, int decoupled, int maximize,
                 float bias_correction1, float bias_correction2_sqrt);

/// Geometry of a 2-d convolution of x[n, c, h, w] with weight[oc, c/groups, kh, kw]
/// (dilation 1 means dense; padding may be asymmetric).
typedef struct {
    int64_t n, c, h, w, oc, kh, kw, stride_h, stride_w, dil_h, dil_w;
    int64_t pad_top, pad_left, pad_bottom, pad_right, groups;
} st_conv2d_geometry;
typedef enum { ST_CONV_FORWARD = 0, ST_CONV_BACKWARD_DATA = 1, ST_CONV_BACKWARD_WEIGHTS = 2 } st_conv_kind;
/// float32 convolution through oneDNN on contiguous NCHW / OIHW buffers:
///   forward:          a = x,  b = weight, out = y,       bias = bias (or NULL)
///   backward data:    a = gy, b = weight, out = gx,      bias = NULL
///   backward weights: a = x,  b = gy,     out = gweight, bias = gbias (or NULL)
/// Returns 0 when oneDNN cannot run it (the caller then uses its own path).
int st_conv2d_f32(int kind, const st_conv2d_geometry *g, const float *a, const float *b, float *out, float *bias);
/// The same for bfloat16 buffers (every tensor bfloat16); 0 where oneDNN has only its
/// reference kernel for it on this CPU.
int st_conv2d_bf16(int kind, const st_conv2d_geometry *g, const uint16_t *a, const uint16_t *b, uint16_t *out,
                   uint16_t *bias);

/// Batched float32 matrix product c[i] = a[i] b[i] through oneDNN's matmul primitive
/// (cached per shape and strides): a is [batch, m, k], b [batch, k, n], both strided
/// (element strides), c a contiguous [batch, m, n]. Returns 0 where oneDNN has no
/// optimised kernel for these layouts.
int st_matmul_f32(int64_t batch, int64_t m, int64_t k, int64_t n, const float *a, const int64_t a_strides[3],
                  const float *b, const int64_t b_strides[3], float *c);
/// The same for bfloat16 operands and result (float32 accumulation); 0 where the CPU
/// has no bfloat16 kernel in oneDNN.
int st_matmul_bf16(int64_t batch, int64_t m, int64_t k, int64_t n, const uint16_t *a, const int64_t a_strides[3],
                   const uint16_t *b, const int64_t b_strides[3], uint16_t *c);

/// Exact GELU, x * Phi(x), and its gradient gy * (Phi(x) + x * phi(x)), over n contiguous floats.
void st_gelu_f32(const float *x, float *y, int64_t n);
void st_gelu_backward_f32(const float *gy, const float *x, float *gx, int64_t n);
/// Layer norm of `rows` contiguous rows of `cols` floats; weight and bias may be NULL.
/// Writes each row's mean and 1/sqrt(var + eps).
void st_layer_norm_f32(const float *x, const float *w, const float *b, float *y, float *mean, float *rstd,
                       int64_t rows, int64_t cols, float eps);
/// Its backward: gx (may be NULL) and, added into gw / gb (may be NULL), the weight and bias gradients.
void st_layer_norm_backward_f32(const float *gy, const float *x, const float *mean, const float *rstd, const float *w,
                                float *gx, float *gw, float *gb, int64_t rows, int64_t cols);
/// out[j] = sum over r of x[r * ld + j], for j < cols.
void st_colsum_f32(const float *x, int64_t rows, int64_t cols, int64_t ld, float *out);

/// One LSTM layer in one direction: `steps` x `batch` x `input` -> `hidden`, reversed in time when `reverse` is 1.
typedef struct {
    int64_t steps, batch, input, hidden, reverse;
} st_lstm_geometry;
/// Bytes of the workspace a training forward writes for the backward (0 when oneDNN cannot run the layer).
size_t st_lstm_workspace_size(const st_lstm_geometry *g);
/// Forward through oneDNN: x [T, N, I], h0 / c0 [N, H], w_ih [4H, I], w_hh [4H, H], bias [4H] (b_ih + b_hh)
/// -> y [T, N, H], hn / cn [N, H]. `workspace` is NULL for inference. Returns 0 when oneDNN cannot run it.
int st_lstm_forward_f32(const st_lstm_geometry *g, const float *x, const float *h0, const float *c0, const float *wih,
                        const float *whh, const float *bias, float *y, float *hn, float *cn, void *workspace);
/// Backward: `saved` holds the forward's x, h0, c0, w_ih, w_hh, bias, y, hn, cn; gy / ghn / gcn are the output
/// gradients (zeros where absent). Writes every input gradient.
int st_lstm_backward_f32(const st_lstm_geometry *g, const float *const *saved, void *workspace, const float *gy,
                         const float *ghn, const float *gcn, float *gx, float *gh0, float *gc0, float *gwih, float *gwhh, float *gbias);

/// Uniform floats u = (word >> 8) / 2^24 from Philox-4x32-10 blocks offset..<offset+blocks under key
/// `seed`, four per block in order; with `as_mask`, out = u < keep ? scale : 0 (dropout's mask).
void st_philox_uniform_f32(uint64_t seed, uint64_t offset, int64_t blocks, float *out, float keep, float scale, int as_mask);

/// Batch-norm building blocks over n contiguous floats: the sum of g * (x - mean) (of (x - mean)^2
/// when g is NULL), and out = ka * a + kb * b + k0 (a may be NULL).
double st_sum_dev_product_f32(const float *g, const float *x, int64_t n, float mean);
void st_affine2_f32(const float *a, const float *b, int64_t n, float ka, float kb, float k0, float *out);

#ifdef __cplusplus
}
#endif

#endif
