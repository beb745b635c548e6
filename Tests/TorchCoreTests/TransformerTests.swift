import Testing
import Torch

/// Attention and Transformer layers against the golden PyTorch cases.
struct TransformerTests {
    static func run(_ name: String, _ module: Module, _ call: ([Tensor]) -> [Tensor]) throws {
        let data = try ParityTests.load("\(name).safetensors")
        var state = StateDict()
        for (k, v) in data where k.hasPrefix("state/") { state[String(k.dropFirst(6))] = v }
        try module.loadStateDict(state)
        let m = try ParityTests.manifest()["modules"]!.arrayValue!.first { $0["name"]?.stringValue == name }!
        if m["mode"]?.stringValue == "eval" { module.eval() } else { module.train() }
        var inputs: [Tensor] = []
        while let t = data["input/\(inputs.count)"] { inputs.append(t.clone().requiresGrad_()) }
        let outputs = call(inputs)
        var total = Tensor.zeros([])
        for (i, o) in outputs.enumerated() {
            #expect(ParityTests.close(o, data["output/\(i)"]!), "\(name): output \(i)")
            total = total + (o * data["grad_seed/\(i)"]!).sum()
        }
        total.backward()
        let params = Dictionary(uniqueKeysWithValues: module.namedParameters())
        for (k, v) in data where k.hasPrefix("grad/param/") {
            let key = String(k.dropFirst(11))
            #expect(params[key]?.grad != nil && ParityTests.close(params[key]!.grad!, v), "\(name): gradient of \(key)")
        }
        for (i, x) in inputs.enumerated() {
            if let g = data["grad/input/\(i)"] { #expect(x.grad != nil && ParityTests.close(x.grad!, g), "\(name): gradient of input \(i)") }
        }
    }

    @Test func multiheadAttention() throws {
        let mha = MultiheadAttention(8, 2, batchFirst: true)
        try Self.run("mha", mha) { x in
            let r = mha(x[0], x[1], x[2])
            return [r.output, r.weights!]
        }
    }

    @Test func encoderLayer() throws {
        let layer = TransformerEncoderLayer(dModel: 8, nhead: 2, dimFeedforward: 16, dropout: 0, activation: "gelu", batchFirst: true)
        try Self.run("transformer_encoder_layer", layer) { [layer($0[0])] }
    }

    @Test func encoderLayerNormFirst() throws {
        let layer = TransformerEncoderLayer(dModel: 8, nhead: 2, dimFeedforward: 16, dropout: 0, batchFirst: true, normFirst: true)
        try Self.run("transformer_encoder_layer_norm_first", layer) { [layer($0[0])] }
    }

    @Test func decoderLayer() throws {
        let layer = TransformerDecoderLayer(dModel: 8, nhead: 2, dimFeedforward: 16, dropout: 0, batchFirst: true)
        try Self.run("transformer_decoder_layer", layer) { [layer($0[0], $0[1])] }
    }

    @Test func stateDictKeysMatchPyTorch() {
        let layer = TransformerEncoderLayer(dModel: 8, nhead: 2, dimFeedforward: 16)
        #expect(Array(layer.stateDict().keys) == ["self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
                                                  "self_attn.out_proj.bias", "linear1.weight", "linear1.bias", "linear2.weight",
                                                  "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"])
        let t = Transformer(dModel: 8, nhead: 2, numEncoderLayers: 2, numDecoderLayers: 1, dimFeedforward: 16)
        #expect(t.stateDict().keys.contains("encoder.layers.1.linear2.bias") && t.stateDict().keys.contains("decoder.norm.weight"))
    }

    @Test func masksFollowPyTorch() throws {
        #expect(generateSquareSubsequentMask(3).toArray(Float.self) == [0, -.infinity, -.infinity, 0, 0, -.infinity, 0, 0, 0])
        let mha = MultiheadAttention(4, 2, batchFirst: true).eval()
        let x = Tensor.randn([2, 3, 4], generator: Generator(seed: 1))
        // a causal bool mask (true = not allowed) equals the float -inf mask and isCausal
        let boolMask = Tensor.ones([3, 3], dtype: .bool).triu(1)
        let a = mha(x, x, x, attnMask: boolMask).output
        let b = mha(x, x, x, attnMask: generateSquareSubsequentMask(3)).output
        let c = mha(x, x, x, isCausal: true).output
        #expect(a.allclose(b) && a.allclose(c))
        // padding the last key removes its attention weight
        let kpm = Tensor([[false, false, true], [false, false, false]])
        let w = mha(x, x, x, keyPaddingMask: kpm).weights!
        #expect(w[0, .all, 2].abs().sum().item(Double.self) == 0)
        let m = MultiheadAttention(4, 2, batchFirst: true).to(dtype: .float64)
        try gradcheck({ inputs in
            m(inputs[0], inputs[0], inputs[0], attnMask: generateSquareSubsequentMask(3, dtype: .float64)).output
        }, inputs: [Tensor.randn([1, 3, 4], dtype: .float64, generator: Generator(seed: 2)).requiresGrad_()])
    }
}
