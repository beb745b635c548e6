import CDNNL
import CTorchKernels

extension CPUBackend {
    func matmul(_ a: Tensor, _ b: Tensor, into out: Tensor) throws(TorchError) {
        let batch = a.shape[0], m = a.shape[1], k = a.shape[2], n = b.shape[2]
        switch a.dtype {
        case .float32:
            sgemmBatched(a, b, out, batch: batch, m: m, k: k, n: n)
        case .float64:
            let pa = a.pointer(as: Double.self), pb = b.pointer(as: Double.self), po = out.pointer(as: Double.self)
            for i in 0..<batch {
                st_gemm_f64(Int64(m), Int64(n), Int64(k),
                            pa + i * a.strides[0], Int64(a.strides[1]), Int64(a.strides[2]),
                            pb + i * b.strides[0], Int64(b.strides[1]), Int64(b.strides[2]),
                            po + i * m * n, Int64(n), 0)
            }
        case .bfloat16 where bfloat16Matmul(a, b, out):
            return
        case .float16, .bfloat16:
            let af = try a.cast(to: .float32), bf = try b.cast(to: .float32)
            let of = Tensor(uninitializedShape: out.shape, dtype: .float32)
            sgemmBatched(af, bf, of, batch: batch, m: m, k: k, n: n)
            copy(of, into: out)
        case .int64: intMatmul(Int64.self, a, b, out)
        case .int32: intMatmul(Int32.self, a, b, out)
        case .int16: intMatmul(Int16.self, a, b, out)
        case .int8: intMatmul(Int8.self, a, b, out)
        case .uint8: intMatmul(UInt8.self, a, b, out)
        case .bool:
            throw TorchError("\"addmm_impl_cpu_\" not implemented for 'Bool'")
        }
    }

    /// bfloat16 products on oneDNN's bf16 kernels; false where it has none for this CPU.
    private func bfloat16Matmul(_ a: Tensor, _ b: Tensor, _ out: Tensor) -> Bool {
        let batch = a.shape[0], m = a.shape[1], k = a.shape[2], n = b.shape[2]
        guard batch > 0, m > 0, n > 0, k > 0 else { return false }
        let aStrides = a.strides.map { Int64($0) }, bStrides = b.strides.map { Int64($0) }
        return st_matmul_bf16(Int64(batch), Int64(m), Int64(k), Int64(n), a.pointer(as: UInt16.self), aStrides,
                              b.pointer(as: UInt16.self), bStrides, out.pointer(as: UInt16.self)) != 0
    }

    /// Row-major operand description for a GEMM call: transposition flag and leading dimension.
    private func gemmOperand(_ t: Tensor, rows: Int, cols: Int) -> (Tensor, CChar, Int) {
        let rs = t.strides[1], cs = t.strides[2]
        if cs == 1 && (rs >= max(cols, 1) || rows == 1) { return (t, CChar(UInt8(ascii: "N")), max(rs, cols, 1)) }
        if rs == 1 && (cs >= max(rows, 1) || cols == 1) { return (t, CChar(UInt8(ascii: "T")), max(cs, rows, 1)) }
        let c = t.contiguous()
        return (c, CChar(UInt8(ascii: "N")), max(cols, 1))
    }

    private func sgemmBatched(_ a: Tensor, _ b: Tensor, _ out: Tensor, batch: Int, m: Int, k: Int, n: Int) {
        let po = out.pointer(as: Float.self)
        if k == 0 {
            po.update(repeating: 0, count: batch * m * n)
            return
        }
        if m == 0 || n == 0 { return }
        let (ta, transA, lda) = gemmOperand(a, rows: m, cols: k)
        let (tb, transB, ldb) = gemmOperand(b, rows: k, cols: n)
        let pa = ta.pointer(as: Float.self), pb = tb.pointer(as: Float.self)
        let sa = ta.strides[0], sb = tb.strides[0]
        if batch == 1 && m * n * k <= Self.primitiveProductVolume {
            let aStrides = [Int64(m * k), Int64(ta.strides[1]), Int64(ta.strides[2])]
            let bStrides = [Int64(k * n), Int64(tb.strides[1]), Int64(tb.strides[2])]
            if st_matmul_f32(1, Int64(m), Int64(k), Int64(n), pa, aStrides, pb, bStrides, po) != 0 { return }
        }
        let products = { (first: Int, end: Int) in
            for i in first..<end {
                _ = dnnl_sgemm(transA, transB, Int64(m), Int64(n), Int64(k), 1,
                               pa + i * sa, Int64(lda), pb + i * sb, Int64(ldb), 0, po + i * m * n, Int64(n))
            }
        }
        // Many small products (attention heads) split across threads, each product on one
        // thread (oneDNN runs single-threaded inside a parallel region); a large product is
        // better split by oneDNN itself.
        if batch >= 2 && m * n * k <= Self.smallProductVolume {
            Threading.parallelFor(batch, grain: 1, products)
        } else {
            products(0, batch)
        }
    }

    /// m * n * k up to which one thread per product beats oneDNN's own threading for
    /// a batch of products.
    private static let smallProductVolume = 1 << 21
    /// m * n * k up to which oneDNN's matmul primitive beats `dnnl_sgemm` for a single
    /// product (for a batch of small ones, one `dnnl_sgemm` per thread is faster).
    private static let primitiveProductVolume = 1 << 25

    private func intMatmul<S: TensorElement>(_: S.Type, _ a: Tensor, _ b: Tensor, _ out: Tensor)
    where S.Compute: FixedWidthInteger {
        let batch = a.shape[0], m = a.shape[1], k = a.shape[2], n = b.shape[2]
        let pa = a.pointer(as: S.self), pb = b.pointer(as: S.self), po = out.pointer(as: S.self)
        for bi in 0..<batch {
            for i in 0..<m {
                for j in 0..<n {
                    var acc: S.Compute = 0
                    for p in 0..<k {
                        let x = pa[bi * a.strides[0] + i * a.strides[1] + p * a.strides[2]].compute
                        let y = pb[bi * b.strides[0] + p * b.strides[1] + j * b.strides[2]].compute
                        acc = acc &+ x &* y
                    }
                    po[(bi * m + i) * n + j] = S(compute: acc)
                }
            }
        }
    }
}
