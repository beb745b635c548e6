import TorchCore

/// Multi-head attention (`nn.MultiheadAttention`) with PyTorch's parameters
/// (`in_proj_weight`/`in_proj_bias`, or `q_proj_weight`... when kdim/vdim differ,
/// and `out_proj`), masks and averaged attention weights.
public final class MultiheadAttention: Module {
    @Parameter public var inProjWeight: Tensor?
    @Parameter public var qProjWeight: Tensor?
    @Parameter public var kProjWeight: Tensor?
    @Parameter public var vProjWeight: Tensor?
    @Parameter public var inProjBias: Tensor?
    public let outProj: Linear
    public let embedDim: Int, numHeads: Int, dropout: Double, batchFirst: Bool, kdim: Int, vdim: Int

    public init(_ embedDim: Int, _ numHeads: Int, dropout: Double = 0, bias: Bool = true, kdim: Int? = nil, vdim: Int? = nil,
                batchFirst: Bool = false) {
        torchCheck(embedDim % numHeads == 0, "embed_dim must be divisible by num_heads")
        self.embedDim = embedDim
        self.numHeads = numHeads
        self.dropout = dropout
        self.batchFirst = batchFirst
        self.kdim = kdim ?? embedDim
        self.vdim = vdim ?? embedDim
        if self.kdim == embedDim && self.vdim == embedDim {
            inProjWeight = Init.xavierUniform_(Tensor.empty([3 * embedDim, embedDim]))
            qProjWeight = nil
            kProjWeight = nil
            vProjWeight = nil
        } else {
            inProjWeight = nil
            qProjWeight = Init.xavierUniform_(Tensor.empty([embedDim, embedDim]))
            kProjWeight = Init.xavierUniform_(Tensor.empty([embedDim, self.kdim]))
            vProjWeight = Init.xavierUniform_(Tensor.empty([embedDim, self.vdim]))
        }
        inProjBias = bias ? Tensor.zeros([3 * embedDim]) : nil
        outProj = Linear(embedDim, embedDim, bias: bias)
        if bias { Init.zeros_(outProj.bias!) }
        super.init()
    }

    /// Attention of `query` over `key`/`value`. `attnMask`: bool (true = not allowed)
    /// or float (added), [L, S] or [N*H, L, S]; `keyPaddingMask`: [N, S], true = padding.
    /// Returns the output and, when `needWeights`, the attention weights (averaged
    /// over heads unless `averageAttnWeights` is false).
    public func callAsFunction(_ query: Tensor, _ key: Tensor, _ value: Tensor, keyPaddingMask: Tensor? = nil,
                               needWeights: Bool = true, attnMask: Tensor? = nil, averageAttnWeights: Bool = true,
                               isCausal: Bool = false) -> (output: Tensor, weights: Tensor?) {
        let unbatched = query.rank == 2
        var q = unbatched ? query.unsqueeze(batchFirst ? 0 : 1) : query
        var k = unbatched ? key.unsqueeze(batchFirst ? 0 : 1) : key
        var v = unbatched ? value.unsqueeze(batchFirst ? 0 : 1) : value
        if !batchFirst { q = q.transpose(0, 1); k = k.transpose(0, 1); v = v.transpose(0, 1) }
        let n = q.shape[0], l = q.shape[1], s = k.shape[1], e = embedDim, h = numHeads, d = e / h
        torchCheck(q.shape[2] == e, "was expecting embedding dimension of \(e), but got \(q.shape[2])")
        let (wq, wk, wv): (Tensor, Tensor, Tensor)
        if let w = inProjWeight {
            let parts = w.chunk(3, dim: 0)
            (wq, wk, wv) = (parts[0], parts[1], parts[2])
        } else {
            (wq, wk, wv) = (qProjWeight!, kProjWeight!, vProjWeight!)
        }
        let biases = inProjBias?.chunk(3, dim: 0)
        let qp = F.linear(q, wq, bias: biases?[0]).reshape([n, l, h, d]).transpose(1, 2)
        let kp = F.linear(k, wk, bias: biases?[1]).reshape([n, s, h, d]).transpose(1, 2)
        let vp = F.linear(v, wv, bias: biases?[2]).reshape([n, s, h, d]).transpose(1, 2)
        var scores = qp.matmul(kp.transpose(-2, -1)) / Double(d).squareRoot()      // [N, H, L, S]
        var mask: Tensor? = nil
        if let attnMask {
            var m = attnMask
            if m.rank == 3 { m = m.reshape([n, h, l, s]) }
            mask = m.dtype == .bool ? Tensor.zeros(m.shape, dtype: scores.dtype).maskedFill(m, .double(-.infinity)) : m.to(scores.dtype)
        } else if isCausal {
            mask = generateSquareSubsequentMask(l, dtype: scores.dtype)
        }
        if let kpm = keyPaddingMask {
            let padding = (kpm.dtype == .bool ? Tensor.zeros(kpm.shape, dtype: scores.dtype).maskedFill(kpm, .double(-.infinity)) : kpm.to(scores.dtype))
                .reshape([n, 1, 1, s])
            mask = mask.map { $0 + padding } ?? padding
        }
        if let mask { scores = scores + mask }
        var attn = scores.softmax(dim: -1)
        if training && dropout > 0 { attn = F.dropout(attn, p: dropout, training: true) }
        var out = attn.matmul(vp).transpose(1, 2).reshape([n, l, e])
        out = outProj(out)
        if !batchFirst { out = out.transpose(0, 1) }
        if unbatched { out = out.squeeze(batchFirst ? 0 : 1) }
        guard needWeights else { return (out, nil) }
        var weights = averageAttnWeights ? attn.mean(dim: 1) : attn
        if unbatched { weights = weights.squeeze(0) }
        return (out, weights)
    }
}

/// A float mask with -inf above the diagonal (`Transformer.generate_square_subsequent_mask`).
public func generateSquareSubsequentMask(_ size: Int, dtype: DType = .defaultFloat) -> Tensor {
    Tensor.full([size, size], .double(-.infinity), dtype: dtype).triu(1)
}

func activationFunction(_ name: String) -> (Tensor) -> Tensor {
    switch name {
    case "gelu": return { F.gelu($0) }
    default: return { F.relu($0) }
    }
}

/// Self-attention and feed-forward block (`nn.TransformerEncoderLayer`).
public final class TransformerEncoderLayer: Module {
    public let selfAttn: MultiheadAttention
    public let linear1: Linear, dropout: Dropout, linear2: Linear
    public let norm1: LayerNorm, norm2: LayerNorm
    public let dropout1: Dropout, dropout2: Dropout
    public let normFirst: Bool
    let activation: (Tensor) -> Tensor

    public init(dModel: Int, nhead: Int, dimFeedforward: Int = 2048, dropout: Double = 0.1, activation: String = "relu",
                layerNormEps: Double = 1e-5, batchFirst: Bool = false, normFirst: Bool = false, bias: Bool = true) {
        selfAttn = MultiheadAttention(dModel, nhead, dropout: dropout, bias: bias, batchFirst: batchFirst)
        linear1 = Linear(dModel, dimFeedforward, bias: bias)
        self.dropout = Dropout(dropout)
        linear2 = Linear(dimFeedforward, dModel, bias: bias)
        norm1 = LayerNorm([dModel], eps: layerNormEps, bias: bias)
        norm2 = LayerNorm([dModel], eps: layerNormEps, bias: bias)
        dropout1 = Dropout(dropout)
        dropout2 = Dropout(dropout)
        self.normFirst = normFirst
        self.activation = activationFunction(activation)
        super.init()
    }

    func selfAttention(_ x: Tensor, _ mask: Tensor?, _ kpm: Tensor?, _ isCausal: Bool) -> Tensor {
        dropout1(selfAttn(x, x, x, keyPaddingMask: kpm, needWeights: false, attnMask: mask, isCausal: isCausal && mask == nil).output)
    }

    func feedForward(_ x: Tensor) -> Tensor { dropout2(linear2(dropout(activation(linear1(x))))) }

    public func callAsFunction(_ src: Tensor, srcMask: Tensor?, srcKeyPaddingMask: Tensor? = nil, isCausal: Bool = false) -> Tensor {
        encode(src, srcMask: srcMask, srcKeyPaddingMask: srcKeyPaddingMask, isCausal: isCausal)
    }

    func encode(_ src: Tensor, srcMask: Tensor?, srcKeyPaddingMask: Tensor?, isCausal: Bool) -> Tensor {
        var x = src
        if normFirst {
            x = x + selfAttention(norm1(x), srcMask, srcKeyPaddingMask, isCausal)
            x = x + feedForward(norm2(x))
        } else {
            x = norm1(x + selfAttention(x, srcMask, srcKeyPaddingMask, isCausal))
            x = norm2(x + feedForward(x))
        }
        return x
    }

    public override func forward(_ input: Tensor) -> Tensor { encode(input, srcMask: nil, srcKeyPaddingMask: nil, isCausal: false) }
}

/// Self-attention, cross-attention over `memory`, and feed-forward (`nn.TransformerDecoderLayer`).
public final class TransformerDecoderLayer: Module {
    public let selfAttn: MultiheadAttention, multiheadAttn: MultiheadAttention
    public let linear1: Linear, dropout: Dropout, linear2: Linear
    public let norm1: LayerNorm, norm2: LayerNorm, norm3: LayerNorm
    public let dropout1: Dropout, dropout2: Dropout, dropout3: Dropout
    public let normFirst: Bool
    let activation: (Tensor) -> Tensor

    public init(dModel: Int, nhead: Int, dimFeedforward: Int = 2048, dropout: Double = 0.1, activation: String = "relu",
                layerNormEps: Double = 1e-5, batchFirst: Bool = false, normFirst: Bool = false, bias: Bool = true) {
        selfAttn = MultiheadAttention(dModel, nhead, dropout: dropout, bias: bias, batchFirst: batchFirst)
        multiheadAttn = MultiheadAttention(dModel, nhead, dropout: dropout, bias: bias, batchFirst: batchFirst)
        linear1 = Linear(dModel, dimFeedforward, bias: bias)
        self.dropout = Dropout(dropout)
        linear2 = Linear(dimFeedforward, dModel, bias: bias)
        norm1 = LayerNorm([dModel], eps: layerNormEps, bias: bias)
        norm2 = LayerNorm([dModel], eps: layerNormEps, bias: bias)
        norm3 = LayerNorm([dModel], eps: layerNormEps, bias: bias)
        dropout1 = Dropout(dropout)
        dropout2 = Dropout(dropout)
        dropout3 = Dropout(dropout)
        self.normFirst = normFirst
        self.activation = activationFunction(activation)
        super.init()
    }

    public func callAsFunction(_ tgt: Tensor, _ memory: Tensor, tgtMask: Tensor? = nil, memoryMask: Tensor? = nil,
                               tgtKeyPaddingMask: Tensor? = nil, memoryKeyPaddingMask: Tensor? = nil,
                               tgtIsCausal: Bool = false, memoryIsCausal: Bool = false) -> Tensor {
        func sa(_ x: Tensor) -> Tensor {
            dropout1(selfAttn(x, x, x, keyPaddingMask: tgtKeyPaddingMask, needWeights: false, attnMask: tgtMask,
                              isCausal: tgtIsCausal && tgtMask == nil).output)
        }
        func mha(_ x: Tensor) -> Tensor {
            dropout2(multiheadAttn(x, memory, memory, keyPaddingMask: memoryKeyPaddingMask, needWeights: false, attnMask: memoryMask,
                                   isCausal: memoryIsCausal && memoryMask == nil).output)
        }
        func ff(_ x: Tensor) -> Tensor { dropout3(linear2(dropout(activation(linear1(x))))) }
        var x = tgt
        if normFirst {
            x = x + sa(norm1(x))
            x = x + mha(norm2(x))
            x = x + ff(norm3(x))
        } else {
            x = norm1(x + sa(x))
            x = norm2(x + mha(x))
            x = norm3(x + ff(x))
        }
        return x
    }
}

/// A stack of encoder layers (`nn.TransformerEncoder`), each built by `makeLayer`.
public final class TransformerEncoder: Module {
    public let layers: ModuleList
    public let norm: LayerNorm?

    public init(numLayers: Int, norm: LayerNorm? = nil, makeLayer: () -> TransformerEncoderLayer) {
        layers = ModuleList((0..<numLayers).map { _ in makeLayer() })
        self.norm = norm
        super.init()
    }

    public func callAsFunction(_ src: Tensor, mask: Tensor?, srcKeyPaddingMask: Tensor? = nil, isCausal: Bool = false) -> Tensor {
        encode(src, mask: mask, srcKeyPaddingMask: srcKeyPaddingMask, isCausal: isCausal)
    }

    func encode(_ src: Tensor, mask: Tensor?, srcKeyPaddingMask: Tensor?, isCausal: Bool) -> Tensor {
        var x = src
        for layer in layers { x = (layer as! TransformerEncoderLayer).encode(x, srcMask: mask, srcKeyPaddingMask: srcKeyPaddingMask, isCausal: isCausal) }
        return norm.map { $0(x) } ?? x
    }

    public override func forward(_ input: Tensor) -> Tensor { encode(input, mask: nil, srcKeyPaddingMask: nil, isCausal: false) }
}

/// A stack of decoder layers (`nn.TransformerDecoder`).
public final class TransformerDecoder: Module {
    public let layers: ModuleList
    public let norm: LayerNorm?

    public init(numLayers: Int, norm: LayerNorm? = nil, makeLayer: () -> TransformerDecoderLayer) {
        layers = ModuleList((0..<numLayers).map { _ in makeLayer() })
        self.norm = norm
        super.init()
    }

    public func callAsFunction(_ tgt: Tensor, _ memory: Tensor, tgtMask: Tensor? = nil, memoryMask: Tensor? = nil,
                               tgtKeyPaddingMask: Tensor? = nil, memoryKeyPaddingMask: Tensor? = nil, tgtIsCausal: Bool = false) -> Tensor {
        var x = tgt
        for layer in layers {
            x = (layer as! TransformerDecoderLayer)(x, memory, tgtMask: tgtMask, memoryMask: memoryMask, tgtKeyPaddingMask: tgtKeyPaddingMask,
                                                    memoryKeyPaddingMask: memoryKeyPaddingMask, tgtIsCausal: tgtIsCausal)
        }
        return norm.map { $0(x) } ?? x
    }
}

/// Encoder-decoder Transformer (`nn.Transformer`).
public final class Transformer: Module {
    public let encoder: TransformerEncoder
    public let decoder: TransformerDecoder
    public let dModel: Int, nhead: Int, batchFirst: Bool

    public init(dModel: Int = 512, nhead: Int = 8, numEncoderLayers: Int = 6, numDecoderLayers: Int = 6, dimFeedforward: Int = 2048,
                dropout: Double = 0.1, activation: String = "relu", layerNormEps: Double = 1e-5, batchFirst: Bool = false,
                normFirst: Bool = false, bias: Bool = true) {
        self.dModel = dModel
        self.nhead = nhead
        self.batchFirst = batchFirst
        encoder = TransformerEncoder(numLayers: numEncoderLayers, norm: LayerNorm([dModel], eps: layerNormEps, bias: bias)) {
            TransformerEncoderLayer(dModel: dModel, nhead: nhead, dimFeedforward: dimFeedforward, dropout: dropout, activation: activation,
                                    layerNormEps: layerNormEps, batchFirst: batchFirst, normFirst: normFirst, bias: bias)
        }
        decoder = TransformerDecoder(numLayers: numDecoderLayers, norm: LayerNorm([dModel], eps: layerNormEps, bias: bias)) {
            TransformerDecoderLayer(dModel: dModel, nhead: nhead, dimFeedforward: dimFeedforward, dropout: dropout, activation: activation,
                                    layerNormEps: layerNormEps, batchFirst: batchFirst, normFirst: normFirst, bias: bias)
        }
        super.init()
        for p in parameters() where p.rank > 1 { Init.xavierUniform_(p) }
    }

    public func callAsFunction(_ src: Tensor, _ tgt: Tensor, srcMask: Tensor? = nil, tgtMask: Tensor? = nil, memoryMask: Tensor? = nil,
                               srcKeyPaddingMask: Tensor? = nil, tgtKeyPaddingMask: Tensor? = nil, memoryKeyPaddingMask: Tensor? = nil) -> Tensor {
        let memory = encoder(src, mask: srcMask, srcKeyPaddingMask: srcKeyPaddingMask)
        return decoder(tgt, memory, tgtMask: tgtMask, memoryMask: memoryMask, tgtKeyPaddingMask: tgtKeyPaddingMask,
                       memoryKeyPaddingMask: memoryKeyPaddingMask)
    }
}
