import TorchCore

extension Functional {
    /// softmax(q k^T * scale + mask) v (`scaled_dot_product_attention`). A bool
    /// `attnMask` keeps positions where it is true; a float one is added to the scores.
    /// `isCausal` masks the upper triangle (top-left aligned). Rows with every position
    /// masked produce zeros, like PyTorch. `enableGQA` repeats key/value heads to match
    /// the query heads.
    public static func scaledDotProductAttention(_ query: Tensor, _ key: Tensor, _ value: Tensor, attnMask: Tensor? = nil,
                                                 dropoutP: Double = 0, isCausal: Bool = false, scale: Double? = nil,
                                                 enableGQA: Bool = false, generator: Generator? = nil) -> Tensor {
        let query = Autocast.lowerPrecision(query), key = Autocast.lowerPrecision(key), value = Autocast.lowerPrecision(value)
        let attnMask = Autocast.lowerPrecision(attnMask)
        guard require(!(isCausal && attnMask != nil), "_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
        else { return placeholder }
        guard require(query.rank >= 2 && key.rank >= 2 && value.rank >= 2,
                      "Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: \(query.rank) key.dim: \(key.rank) and value.dim: \(value.rank) instead.")
        else { return placeholder }
        if let attnMask {
            guard require(attnMask.dtype == .bool || attnMask.dtype == query.dtype,
                          "Expected attn_mask dtype to be bool or float or to match query dtype, but got attn_mask.dtype: \(attnMask.dtype.cppName) and  query.dtype: \(query.dtype.cppName) instead.")
            else { return placeholder }
        }
        guard checkDropoutP(dropoutP) else { return placeholder }
        var k = key, v = value
        if enableGQA && query.rank >= 3 && key.rank >= 3 {
            let hq = query.shape[query.rank - 3], hk = key.shape[key.rank - 3]
            guard require(hk > 0 && hq % hk == 0, "Number of heads in key and value must divide the number of heads in query") else { return placeholder }
            if hq != hk {
                k = key.repeatInterleave(hq / hk, dim: -3)
                v = value.repeatInterleave(hq / hk, dim: -3)
            }
        }
        let l = query.shape[query.rank - 2], s = k.shape[k.rank - 2], e = query.shape[query.rank - 1]
        let factor = scale ?? 1 / Double(e).squareRoot()
        var scores = query.matmul(k.transpose(-2, -1)) * factor
        var masked: Tensor? = nil  // true where a score is forced to -inf
        if isCausal {
            masked = Tensor.ones([l, s], dtype: .bool).tril().logicalNot()
        } else if let attnMask {
            if attnMask.dtype == .bool {
                masked = attnMask.logicalNot()
            } else {
                scores = scores + attnMask
            }
        }
        if let masked { scores = scores.maskedFill(masked.expand(scores.shape), .double(-Double.infinity)) }
        var weights: Tensor
        if masked != nil || attnMask != nil {
            // PyTorch's _safe_softmax: rows that are entirely -inf give zeros; the row is
            // replaced by zeros before the softmax so no NaN reaches the backward pass.
            let dead = (scores == -Double.infinity).all(dim: -1, keepdim: true)
            let safeScores = Tensor.where(dead, 0, scores)
            weights = Tensor.where(dead, 0, safeScores.softmax(dim: -1))
        } else {
            weights = scores.softmax(dim: -1)
        }
        if dropoutP > 0 { weights = dropout(weights, p: dropoutP, training: true, generator: generator) }
        return weights.matmul(v)
    }
}

extension DType {
    /// The C++ element type name PyTorch prints in some messages (`float`, `long int`).
    var cppName: String {
        switch self {
        case .bool: return "bool"
        case .uint8: return "unsigned char"
        case .int8: return "signed char"
        case .int16: return "short int"
        case .int32: return "int"
        case .int64: return "long int"
        case .float16: return "c10::Half"
        case .bfloat16: return "c10::BFloat16"
        case .float32: return "float"
        case .float64: return "double"
        }
    }
}
