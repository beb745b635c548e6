import TorchCore

extension Functional {
    /// x @ weight^T + bias (`linear`), for any number of leading batch dims.
    public static func linear(_ input: Tensor, _ weight: Tensor, bias: Tensor? = nil) -> Tensor {
        let input = Autocast.lowerPrecision(input), weight = Autocast.lowerPrecision(weight), bias = Autocast.lowerPrecision(bias)
        guard require(weight.rank <= 2, "t() expects a tensor with <= 2 dimensions, but self is \(weight.rank)D") else { return placeholder }
        if input.rank >= 1 && weight.rank == 2 {
            let k = input.shape[input.rank - 1]
            guard require(k == weight.shape[1],
                          "\(bias == nil ? "mm" : "addmm"): mat1 and mat2 shapes cannot be multiplied (\(input.numel / Swift.max(k, 1))x\(k) and \(weight.shape[1])x\(weight.shape[0]))")
            else { return placeholder }
        }
        let out = input.matmul(weight.t())
        guard let bias else { return out }
        return out + bias
    }

    /// y[..., o] = sum_ij x1[..., i] weight[o, i, j] x2[..., j] + bias[o] (`bilinear`).
    public static func bilinear(_ input1: Tensor, _ input2: Tensor, _ weight: Tensor, bias: Tensor? = nil) -> Tensor {
        guard require(input1.rank == input2.rank, "bilinear(): input dimensions do not match: got \(input1.rank) and \(input2.rank)") else { return placeholder }
        guard require(input1.rank >= 1, "bilinear(): input dimensions must be at least 1") else { return placeholder }
        for i in 0..<(input1.rank - 1) {
            guard require(input1.shape[i] == input2.shape[i],
                          "bilinear(): input batch dimensions do not match at dim \(i): got \(input1.shape[i]) and \(input2.shape[i])")
            else { return placeholder }
        }
        guard require(weight.rank == 3, "bilinear(): weight must be 3-dimensional, but got \(weight.rank)") else { return placeholder }
        let o = weight.shape[0], i1 = weight.shape[1], i2 = weight.shape[2]
        let last1 = input1.shape[input1.rank - 1], last2 = input2.shape[input2.rank - 1]
        guard require(last1 == i1, "bilinear(): input1 size does not match weight size: got \(last1) but expected \(i1)"),
              require(last2 == i2, "bilinear(): input2 size does not match weight size: got \(last2) but expected \(i2)")
        else { return placeholder }
        if let bias {
            guard require(bias.rank >= 1 && bias.shape[0] == o,
                          "bilinear(): bias size does not match weight size: got \(bias.rank >= 1 ? bias.shape[0] : 1) but expected \(o)")
            else { return placeholder }
        }
        let batch = Array(input1.shape.dropLast())
        let a = input1.reshape([-1, i1]), b = input2.reshape([-1, i2])
        // (a @ W viewed as [I1, O * I2]) -> [B, O, I2], then contract with b
        let aw = a.matmul(weight.permute([1, 0, 2]).reshape([i1, o * i2])).reshape([-1, o, i2])
        var out = (aw * b.unsqueeze(1)).sum(dim: -1).reshape(batch + [o])
        if let bias { out = out + bias }
        return out
    }

    /// Rows of `weight` picked by the integer `input` (`embedding`). Positions holding
    /// `paddingIdx` pass no gradient to their row. `maxNorm` renormalises the looked-up
    /// rows of `weight` in place first (PyTorch's `embedding_renorm_`);
    /// `scaleGradByFreq` divides each row's gradient by its count in the batch.
    public static func embedding(_ input: Tensor, _ weight: Tensor, paddingIdx: Int? = nil, maxNorm: Double? = nil,
                                 normType: Double = 2, scaleGradByFreq: Bool = false) -> Tensor {
        guard require(input.dtype == .int64 || input.dtype == .int32,
                      "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got torch.\(input.dtype.legacyScalarName)Tensor instead (while checking arguments for embedding)")
        else { return placeholder }
        guard require(weight.rank == 2, "'weight' must be 2-D") else { return placeholder }
        let rows = weight.shape[0]
        var padding: Int? = nil
        if let p = paddingIdx {
            guard require(p >= -rows && p < rows, "Padding_idx must be within num_embeddings") else { return placeholder }
            padding = p < 0 ? p + rows : p
        }
        let indices = input.to(.int64).reshape([-1])
        let values = indices.toArray(Int64.self)
        for v in values {
            guard require(v >= 0 && Int(v) < rows, "index out of range in self") else { return placeholder }
        }
        if let maxNorm { renormRows(weight, Set(values.map(Int.init)).sorted(), maxNorm: maxNorm, normType: normType) }
        var out = weight.indexSelect(0, indices)
        if scaleGradByFreq {
            var counts: [Int64: Int] = [:]
            for v in values { counts[v, default: 0] += 1 }
            let inv = Tensor.fromScalars(values.map { .double(1 / Double(counts[$0]!)) }, shape: [values.count, 1], dtype: weight.dtype)
            // same values, gradient scaled by 1 / count
            out = out.detach() + (out - out.detach()) * inv
        }
        if let padding {
            let isPad = (indices == padding).unsqueeze(1)
            out = Tensor.where(isPad, out.detach(), out)
        }
        return out.reshape(input.shape + [weight.shape[1]])
    }

    /// Scales rows of `weight` whose `normType`-norm exceeds `maxNorm` down to it, in place.
    private static func renormRows(_ weight: Tensor, _ rows: [Int], maxNorm: Double, normType: Double) {
        guard !rows.isEmpty else { return }
        withNoGrad {
            let idx = Tensor(rows.map(Int64.init), shape: [rows.count])
            let picked = weight.indexSelect(0, idx)
            let norms = picked.vectorNorm(ord: normType, dims: [1], keepdim: true)
            let scale = Tensor.where(norms > maxNorm, (norms + 1e-7).reciprocal() * maxNorm, 1)
            weight.indexPut_([idx], picked * scale)
        }
    }

    /// One-hot encoding of int64 class indices: a trailing dim of `numClasses`
    /// (inferred as max + 1 when -1) with 1 at each index (`one_hot`, int64 output).
    public static func oneHot(_ input: Tensor, numClasses: Int = -1) -> Tensor {
        guard require(input.dtype == .int64, "one_hot is only applicable to index tensor of type LongTensor.") else { return placeholder }
        let values = input.toArray(Int64.self)
        var n = numClasses
        if n == -1 {
            guard require(!values.isEmpty, "Can not infer total number of classes from empty tensor.") else { return placeholder }
            n = Int(values.max()!) + 1
        }
        if let lo = values.min() {
            guard require(lo >= 0, "Class values must be non-negative.") else { return placeholder }
            guard require(Int(values.max()!) < n, "Class values must be smaller than num_classes.") else { return placeholder }
        }
        return Tensor.zeros(input.shape + [n], dtype: .int64).scatter(-1, input.unsqueeze(-1), value: 1)
    }
}
