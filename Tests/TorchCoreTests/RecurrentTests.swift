import Foundation
import Testing
import Torch

/// RNN / LSTM / GRU, their cells and packed sequences: PyTorch parity (golden module
/// cases and Fixtures/recurrent from scripts/gen_recurrent_cases.py), float64
/// gradchecks, packing round trips and error messages.
/// Same shape, dtype and values.
private func same(_ a: Tensor, _ b: Tensor) -> Bool {
    a.shape == b.shape && a.dtype == b.dtype && (a.numel == 0 || (a == b).all().item(Bool.self))
}

struct RecurrentTests {
    static let dir = Bundle.module.url(forResource: "Fixtures/recurrent", withExtension: nil)!.path

    static func manifest() throws -> JSON {
        try JSONParser.parse(String(decoding: try FileIO.read("\(dir)/manifest.json"), as: UTF8.self))
    }

    static func errorMessage(_ body: () -> Void) -> String? {
        do {
            try withErrorCapture { body() }
            return nil
        } catch let e as TorchError {
            return e.message
        } catch {
            return "\(error)"
        }
    }

    // MARK: - Golden module cases (Fixtures/modules)

    static func makeGolden(_ name: String) -> RNNBase {
        switch name {
        case "rnn": return RNN(5, 6, numLayers: 2, batchFirst: true)
        case "lstm": return LSTM(5, 6, numLayers: 2, batchFirst: true, bidirectional: true)
        case "lstm_seq_first": return LSTM(4, 3)
        default: return GRU(5, 6, batchFirst: true)
        }
    }

    /// Calls a recurrent module on a padded input; returns [output, h(, c)].
    static func callPadded(_ m: Module, _ x: Tensor, h0: Tensor? = nil, c0: Tensor? = nil) -> [Tensor] {
        switch m {
        case let lstm as LSTM:
            let r = lstm(x, h0.map { (h: $0, c: c0!) })
            return [r.output, r.h, r.c]
        case let rnn as RNN:
            let r = rnn(x, h0)
            return [r.output, r.h]
        case let gru as GRU:
            let r = gru(x, h0)
            return [r.output, r.h]
        default:
            Issue.record("not a recurrent module")
            return []
        }
    }

    /// Calls a recurrent module on a packed input; returns the packed output and [h(, c)].
    static func callPacked(_ m: Module, _ x: PackedSequence, h0: Tensor? = nil, c0: Tensor? = nil) -> (PackedSequence, [Tensor]) {
        switch m {
        case let lstm as LSTM:
            let r = lstm(x, h0.map { (h: $0, c: c0!) })
            return (r.output, [r.h, r.c])
        case let rnn as RNN:
            let r = rnn(x, h0)
            return (r.output, [r.h])
        case let gru as GRU:
            let r = gru(x, h0)
            return (r.output, [r.h])
        default:
            Issue.record("not a recurrent module")
            return (PackedSequence(data: x.data, batchSizes: []), [])
        }
    }

    static func checkGradients(_ name: String, _ module: Module, _ data: StateDict, _ inputs: [Tensor]) {
        let params = Dictionary(uniqueKeysWithValues: module.namedParameters())
        var seen = 0
        for (k, v) in data where k.hasPrefix("grad/param/") {
            let key = String(k.dropFirst(11))
            let g = params[key]?.grad
            #expect(g != nil && ParityTests.close(g!, v), "\(name): gradient of \(key) differs")
            seen += 1
        }
        #expect(seen == params.count, "\(name): \(params.count) parameters, \(seen) reference gradients")
        for (i, x) in inputs.enumerated() {
            if let gi = data["grad/input/\(i)"] {
                #expect(x.grad != nil && ParityTests.close(x.grad!, gi), "\(name): gradient of input \(i) differs")
            }
        }
    }

    @Test(arguments: ["rnn", "lstm", "lstm_seq_first", "gru"])
    func goldenModule(_ name: String) throws {
        let m = try ParityTests.manifest()
        let entry = m["modules"]!.arrayValue!.first { $0["name"]?.stringValue == name }!
        let data = try ParityTests.load(entry["file"]!.stringValue!)
        let module = Self.makeGolden(name)
        var state = StateDict()
        for (k, v) in data where k.hasPrefix("state/") { state[String(k.dropFirst(6))] = v }
        // the state dict keys and order are PyTorch's
        #expect(Set(module.stateDict().keys) == Set(state.keys))
        try module.loadStateDict(state)
        module.train()
        let input = data["input/0"]!.clone().requiresGrad_()
        let outputs = Self.callPadded(module, input)
        let count = entry["outputs"]!.intValue!
        #expect(outputs.count == count)
        var total = Tensor.zeros([])
        for (i, o) in outputs.enumerated() {
            #expect(ParityTests.close(o, data["output/\(i)"]!), "\(name): output \(i) differs")
            total = total + (o * data["grad_seed/\(i)"]!).sum()
        }
        total.backward()
        Self.checkGradients(name, module, data, [input])
    }

    // MARK: - Generated cases (Fixtures/recurrent)

    static let caseNames = [
        "lstm_proj", "lstm_proj_bidir_batch_first", "gru_packed_bidir", "lstm_packed_sorted", "lstm_packed_proj_unsorted",
        "rnn_relu_unbatched_bidir", "rnn_packed_tanh", "gru_nobias_3layers", "lstm_unbatched",
        "rnn_cell", "rnn_cell_relu", "lstm_cell", "gru_cell", "gru_cell_nobias_unbatched",
    ]

    static func makeModule(_ type: String, _ kw: JSON) -> Module {
        let i = kw["input_size"]!.intValue!, h = kw["hidden_size"]!.intValue!
        let layers = kw["num_layers"]?.intValue ?? 1
        let bias = kw["bias"]?.boolValue ?? true
        let batchFirst = kw["batch_first"]?.boolValue ?? false
        let bidirectional = kw["bidirectional"]?.boolValue ?? false
        let nonlinearity = kw["nonlinearity"]?.stringValue ?? "tanh"
        switch type {
        case "RNN": return RNN(i, h, numLayers: layers, nonlinearity: nonlinearity, bias: bias, batchFirst: batchFirst, bidirectional: bidirectional)
        case "LSTM": return LSTM(i, h, numLayers: layers, bias: bias, batchFirst: batchFirst, bidirectional: bidirectional,
                                 projSize: kw["proj_size"]?.intValue ?? 0)
        case "GRU": return GRU(i, h, numLayers: layers, bias: bias, batchFirst: batchFirst, bidirectional: bidirectional)
        case "RNNCell": return RNNCell(i, h, bias: bias, nonlinearity: nonlinearity)
        case "LSTMCell": return LSTMCell(i, h, bias: bias)
        default: return GRUCell(i, h, bias: bias)
        }
    }

    @Test func manifestListsTheCases() throws {
        let names = try Self.manifest()["cases"]!.arrayValue!.compactMap { $0["name"]?.stringValue }
        #expect(names == Self.caseNames)
    }

    @Test(arguments: caseNames)
    func generatedCase(_ name: String) throws {
        let entry = try Self.manifest()["cases"]!.arrayValue!.first { $0["name"]?.stringValue == name }!
        let data = try Safetensors.load("\(Self.dir)/\(entry["file"]!.stringValue!)").tensors
        let type = entry["type"]!.stringValue!
        let kw = entry["kwargs"]!
        let module = Self.makeModule(type, kw)
        var state = StateDict()
        for (k, v) in data where k.hasPrefix("state/") { state[String(k.dropFirst(6))] = v }
        // PyTorch's parameter names in PyTorch's order
        #expect(module.namedParameters().map(\.0) == entry["params"]!.arrayValue!.map { $0.stringValue! })
        #expect(Set(module.namedParameters().map(\.0)) == Set(state.keys))
        try module.loadStateDict(state)
        module.train()
        let inputNames = entry["inputs"]!.arrayValue!.map { $0.stringValue! }
        let inputs = inputNames.indices.map { data["input/\($0)"]!.clone().requiresGrad_() }
        let h0 = inputNames.firstIndex(of: "h0").map { inputs[$0] }
        let c0 = inputNames.firstIndex(of: "c0").map { inputs[$0] }
        let x = inputs[0]
        var outputs: [Tensor]
        if let lengths = entry["lengths"]?.arrayValue?.map({ $0.intValue! }) {
            let batchFirst = kw["batch_first"]?.boolValue ?? false
            let packed = packPaddedSequence(x, lengths: lengths, batchFirst: batchFirst,
                                            enforceSorted: entry["enforce_sorted"]!.boolValue!)
            let expectedSizes = data["batch_sizes/0"]!.toArray(Int64.self).map { Int($0) }
            #expect(packed.batchSizes == expectedSizes)
            let (out, states) = Self.callPacked(module, packed, h0: h0, c0: c0)
            #expect(out.batchSizes == expectedSizes)
            let (padded, outLengths) = padPackedSequence(out, batchFirst: batchFirst)
            #expect(ParityTests.close(padded, data["padded/0"]!), "\(name): padded output differs")
            #expect(outLengths == lengths)
            outputs = [out.data] + states
        } else {
            switch module {
            case let cell as LSTMCell:
                let r = cell(x, h0.map { (h: $0, c: c0!) })
                outputs = [r.h, r.c]
            case let cell as RNNCell: outputs = [cell(x, h0)]
            case let cell as GRUCell: outputs = [cell(x, h0)]
            default: outputs = Self.callPadded(module, x, h0: h0, c0: c0)
            }
        }
        #expect(outputs.count == entry["outputs"]!.arrayValue!.count)
        var total = Tensor.zeros([])
        for (i, o) in outputs.enumerated() {
            #expect(ParityTests.close(o, data["output/\(i)"]!), "\(name): output \(i) differs")
            total = total + (o * data["grad_seed/\(i)"]!).sum()
        }
        total.backward()
        Self.checkGradients(name, module, data, inputs)
    }

    // MARK: - Structure

    @Test func parameterNamesAndShapes() {
        let lstm = LSTM(5, 6, numLayers: 2, bidirectional: true, projSize: 3)
        let params = lstm.namedParameters()
        var expected: [String] = []
        for l in 0..<2 {
            for s in ["", "_reverse"] {
                expected += ["weight_ih_l\(l)\(s)", "weight_hh_l\(l)\(s)", "bias_ih_l\(l)\(s)", "bias_hh_l\(l)\(s)", "weight_hr_l\(l)\(s)"]
            }
        }
        #expect(params.map(\.0) == expected)
        let shapes = Dictionary(uniqueKeysWithValues: params.map { ($0.0, $0.1.shape) })
        #expect(shapes["weight_ih_l0"] == [24, 5])
        #expect(shapes["weight_hh_l0"] == [24, 3])
        #expect(shapes["weight_ih_l1_reverse"] == [24, 6])
        #expect(shapes["weight_hr_l1"] == [3, 6])
        #expect(shapes["bias_hh_l1_reverse"] == [24])
        let bound = 1 / 6.0.squareRoot()
        for (_, p) in params {
            #expect(p.requiresGrad)
            #expect(p.abs().max().item().doubleValue <= bound)
        }
        #expect(lstm.allWeights.count == 4 && lstm.allWeights[0].count == 5)

        let gru = GRU(3, 4, bias: false)
        #expect(gru.namedParameters().map(\.0) == ["weight_ih_l0", "weight_hh_l0"])
        #expect(gru.namedParameters()[0].1.shape == [12, 3])
        #expect(RNN(3, 4).namedParameters()[1].1.shape == [4, 4])
        #expect(LSTMCell(3, 4).namedParameters().map(\.0) == ["weight_ih", "weight_hh", "bias_ih", "bias_hh"])
        #expect(GRUCell(3, 4).weightIh.shape == [12, 3])
        #expect(RNNCell(3, 4, bias: false).namedParameters().count == 2)
        #expect(LSTM(4, 3, numLayers: 2, batchFirst: true).description == "LSTM(4, 3, num_layers=2, batch_first=True)")
    }

    @Test func shapes() {
        let lstm = LSTM(3, 5, numLayers: 2, batchFirst: true, bidirectional: true, projSize: 2)
        let r = lstm(Tensor.randn([4, 7, 3]), nil)
        #expect(r.output.shape == [4, 7, 4] && r.h.shape == [4, 4, 2] && r.c.shape == [4, 4, 5])
        let u = lstm(Tensor.randn([7, 3]), nil)
        #expect(u.output.shape == [7, 4] && u.h.shape == [4, 2] && u.c.shape == [4, 5])
        let gru = GRU(3, 5)
        let g = gru(Tensor.randn([6, 2, 3]), Tensor.randn([1, 2, 5]))
        #expect(g.output.shape == [6, 2, 5] && g.h.shape == [1, 2, 5])
        // the last output step of a one-directional module is h_n
        #expect(g.output.select(0, 5).allclose(g.h.select(0, 0)))
        #expect(gru.forward(Tensor.randn([6, 2, 3])).shape == [6, 2, 5])
        #expect(RNNCell(3, 4)(Tensor.randn([3])).shape == [4])
        #expect(LSTMCell(3, 4)(Tensor.randn([2, 3]), nil).c.shape == [2, 4])
    }

    // MARK: - Gradchecks (float64)

    @Test func cellGradcheck() throws {
        let gen = Generator(seed: 7)
        let x = Tensor.randn([2, 3], dtype: .float64, generator: gen).requiresGrad_()
        let h = Tensor.randn([2, 4], dtype: .float64, generator: gen).requiresGrad_()
        let c = Tensor.randn([2, 4], dtype: .float64, generator: gen).requiresGrad_()
        for relu in [false, true] {
            let cell = RNNCell(3, 4, nonlinearity: relu ? "relu" : "tanh", dtype: .float64)
            try gradcheck({ xs in cell(xs[0], xs[1]) }, inputs: [x, h] + cell.parameters())
        }
        let lstm = LSTMCell(3, 4, dtype: .float64)
        try gradcheck({ xs in
            let r = lstm(xs[0], (xs[1], xs[2]))
            return Tensor.cat([r.h, r.c], dim: 1)
        }, inputs: [x, h, c] + lstm.parameters())
        let gru = GRUCell(3, 4, dtype: .float64)
        try gradcheck({ xs in gru(xs[0], xs[1]) }, inputs: [x, h] + gru.parameters())
        let gruNoBias = GRUCell(3, 4, bias: false, dtype: .float64)
        try gradcheck({ xs in gruNoBias(xs[0].select(0, 0), xs[1].select(0, 0)) }, inputs: [x, h] + gruNoBias.parameters())
    }

    @Test func moduleGradcheck() throws {
        let gen = Generator(seed: 11)
        let x = Tensor.randn([3, 2, 2], dtype: .float64, generator: gen).requiresGrad_()
        let lstm = LSTM(2, 3, numLayers: 2, bidirectional: true, projSize: 2, dtype: .float64)
        let h0 = Tensor.randn([4, 2, 2], dtype: .float64, generator: gen).requiresGrad_()
        let c0 = Tensor.randn([4, 2, 3], dtype: .float64, generator: gen).requiresGrad_()
        try gradcheck({ xs in
            let r = lstm(xs[0], (xs[1], xs[2]))
            return Tensor.cat([r.output.reshape([-1]), r.h.reshape([-1]), r.c.reshape([-1])])
        }, inputs: [x, h0, c0] + lstm.parameters())

        let gru = GRU(2, 3, numLayers: 2, batchFirst: true, bidirectional: true, dtype: .float64)
        let g0 = Tensor.randn([4, 3, 3], dtype: .float64, generator: gen).requiresGrad_()
        try gradcheck({ xs in
            let r = gru(xs[0], xs[1])
            return Tensor.cat([r.output.reshape([-1]), r.h.reshape([-1])])
        }, inputs: [x, g0] + gru.parameters())

        let rnn = RNN(2, 3, numLayers: 2, nonlinearity: "relu", dtype: .float64)
        try gradcheck({ xs in
            let r = rnn(xs[0], nil)
            return Tensor.cat([r.output.reshape([-1]), r.h.reshape([-1])])
        }, inputs: [x] + rnn.parameters())
    }

    @Test func packedGradcheck() throws {
        let gen = Generator(seed: 13)
        let x = Tensor.randn([4, 3, 2], dtype: .float64, generator: gen).requiresGrad_()
        let h0 = Tensor.randn([2, 3, 3], dtype: .float64, generator: gen).requiresGrad_()
        let gru = GRU(2, 3, bidirectional: true, dtype: .float64)
        try gradcheck({ xs in
            let p = packPaddedSequence(xs[0], lengths: [2, 4, 1], enforceSorted: false)
            let r = gru(p, xs[1])
            return Tensor.cat([r.output.data.reshape([-1]), r.h.reshape([-1])])
        }, inputs: [x, h0] + gru.parameters())
        let lstm = LSTM(2, 3, dtype: .float64)
        try gradcheck({ xs in
            let p = packPaddedSequence(xs[0], lengths: [4, 3, 3])
            let r = lstm(p)
            return Tensor.cat([padPackedSequence(r.output, totalLength: 5).padded.reshape([-1]), r.h.reshape([-1]), r.c.reshape([-1])])
        }, inputs: [x] + lstm.parameters())
    }

    // MARK: - Packed sequences

    @Test func padSequenceLayouts() {
        let a = Tensor([[1.0, 2], [3, 4], [5, 6]]), b = Tensor([[7.0, 8]])
        let p = padSequence([a, b])
        #expect(p.shape == [3, 2, 2])
        #expect(same(p.select(1, 1), Tensor([[7.0, 8], [0, 0], [0, 0]])))
        let q = padSequence([a, b], batchFirst: true, paddingValue: -1, paddingSide: "left")
        #expect(q.shape == [2, 3, 2])
        #expect(same(q.select(0, 1), Tensor([[-1.0, -1], [-1, -1], [7, 8]])))
        #expect(same(q.select(0, 0), a))
        #expect(Self.errorMessage { _ = padSequence([a], paddingSide: "mid") } == "Expected padding_side to be one of left or right, but got mid.")
        #expect(Self.errorMessage { _ = padSequence([]) } == "received an empty list of sequences")
    }

    @Test func packRoundTrip() {
        let seqs = [Tensor.randn([2, 3]), Tensor.randn([5, 3]), Tensor.randn([3, 3]), Tensor.randn([5, 3])]
        let lengths = seqs.map { $0.shape[0] }
        for batchFirst in [false, true] {
            let padded = padSequence(seqs, batchFirst: batchFirst)
            let packed = packPaddedSequence(padded, lengths: lengths, batchFirst: batchFirst, enforceSorted: false)
            #expect(packed.batchSizes == [4, 4, 3, 2, 2])
            #expect(packed.data.shape == [15, 3])
            #expect(packed.sortedIndices!.toArray(Int64.self) == [1, 3, 2, 0])
            #expect(packed.unsortedIndices!.toArray(Int64.self) == [3, 0, 2, 1])
            // time-major rows: step 0 of the sorted sequences first
            #expect(same(packed.data.narrow(0, start: 0, length: 4), Tensor.stack([seqs[1][0], seqs[3][0], seqs[2][0], seqs[0][0]])))
            let (back, backLengths) = padPackedSequence(packed, batchFirst: batchFirst)
            #expect(same(back, padded))
            #expect(backLengths == lengths)
            let (longer, _) = padPackedSequence(packed, batchFirst: batchFirst, paddingValue: 9, totalLength: 7)
            #expect(longer.shape == (batchFirst ? [4, 7, 3] : [7, 4, 3]))
            #expect((longer.narrow(batchFirst ? 1 : 0, start: 5, length: 2) == 9).all().item(Bool.self))
        }
        let unpacked = unpackSequence(packSequence(seqs, enforceSorted: false))
        #expect(unpacked.count == 4)
        for (u, s) in zip(unpacked, seqs) { #expect(same(u, s)) }
        let sorted = packSequence([seqs[1], seqs[2], seqs[0]])
        #expect(sorted.sortedIndices == nil && sorted.batchSizes == [3, 3, 2, 1, 1])
        #expect(packPaddedSequence(padSequence(seqs), lengths: Tensor(lengths), enforceSorted: false).batchSizes == [4, 4, 3, 2, 2])
    }

    @Test func packGradientFlows() {
        let x = Tensor.randn([3, 2, 2]).requiresGrad_()
        let packed = packPaddedSequence(x, lengths: [1, 3], enforceSorted: false)
        (packed.data * 2).sum().backward()
        let expected = Tensor([[[2.0, 2], [2, 2]], [[0, 0], [2, 2]], [[0, 0], [2, 2]]])
        #expect(same(x.grad!, expected))
    }

    @Test func packErrors() {
        let x = Tensor.zeros([3, 2])
        #expect(Self.errorMessage { _ = packPaddedSequence(x, lengths: [1, 2]) }
            == "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement if you do not need ONNX exportability.")
        #expect(Self.errorMessage { _ = packPaddedSequence(x, lengths: [1, 0]) }
            == "Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0")
        #expect(Self.errorMessage { _ = packPaddedSequence(x, lengths: [3, 2, 1]) }
            == "Expected `len(lengths)` to be equal to batch_size, but got 3 (batch_size=2)")
        let p = packPaddedSequence(x, lengths: [3, 2])
        #expect(Self.errorMessage { _ = padPackedSequence(p, totalLength: 2) }
            == "Expected total_length to be at least the length of the longest sequence in input, but got total_length=2 and max sequence length being 3")
    }

    /// A packed batch gives each sequence the same output and final state as running it alone.
    @Test func packedMatchesSeparateRuns() {
        let seqs = [Tensor.randn([3, 2]), Tensor.randn([5, 2]), Tensor.randn([1, 2])]
        let lstm = LSTM(2, 4, numLayers: 2, bidirectional: true, projSize: 3)
        let h0 = Tensor.randn([4, 3, 3]), c0 = Tensor.randn([4, 3, 4])
        let r = lstm(packSequence(seqs, enforceSorted: false), (h0, c0))
        let outs = unpackSequence(r.output)
        for (i, s) in seqs.enumerated() {
            let alone = lstm(s, (h0.select(1, i), c0.select(1, i)))
            #expect(outs[i].allclose(alone.output, rtol: 1e-4, atol: 1e-5))
            #expect(r.h.select(1, i).allclose(alone.h, rtol: 1e-4, atol: 1e-5))
            #expect(r.c.select(1, i).allclose(alone.c, rtol: 1e-4, atol: 1e-5))
        }
        let gru = GRU(2, 3, batchFirst: true)
        let g = gru(packSequence(seqs, enforceSorted: false))
        for (i, s) in seqs.enumerated() {
            #expect(g.h.select(1, i).allclose(gru(s).h, rtol: 1e-4, atol: 1e-5))
        }
    }

    // MARK: - Dropout and errors

    @Test func dropoutBetweenLayers() {
        let withDrop = GRU(3, 4, numLayers: 2, dropout: 0.5)
        let plain = GRU(3, 4, numLayers: 2)
        try? plain.loadStateDict(withDrop.stateDict())
        let x = Tensor.randn([5, 2, 3])
        withDrop.eval()
        #expect(same(withDrop(x).output, plain(x).output))
        withDrop.train()
        #expect(!withDrop(x).output.allclose(plain(x).output))
        // one layer: nothing between layers to drop
        let single = RNN(3, 4, dropout: 0.9)
        #expect(same(single(x).output, single(x).output))
    }

    @Test func errors() {
        let lstm = LSTM(3, 4)
        #expect(Self.errorMessage { _ = lstm(Tensor.zeros([2, 2, 5])) } == "input.size(-1) must be equal to input_size. Expected 3, got 5")
        #expect(Self.errorMessage { _ = lstm(Tensor.zeros([2, 2, 2, 3])) } == "LSTM: Expected input to be 2D or 3D, got 4D instead")
        #expect(Self.errorMessage { _ = lstm(Tensor.zeros([2, 2, 3]), (Tensor.zeros([1, 3, 4]), Tensor.zeros([1, 2, 4]))) }
            == "Expected hidden[0] size (1, 2, 4), got [1, 3, 4]")
        #expect(Self.errorMessage { _ = lstm(Tensor.zeros([2, 2, 3]), (Tensor.zeros([1, 2, 4]), Tensor.zeros([1, 3, 4]))) }
            == "Expected hidden[1] size (1, 2, 4), got [1, 3, 4]")
        #expect(Self.errorMessage { _ = lstm(Tensor.zeros([2, 3]), (Tensor.zeros([1, 2, 4]), Tensor.zeros([1, 3, 4]))) }
            == "For unbatched 2-D input, hx and cx should also be 2-D but got (3-D, 3-D) tensors")
        let gru = GRU(3, 4)
        #expect(Self.errorMessage { _ = gru(Tensor.zeros([2, 3]), Tensor.zeros([1, 2, 4])) }
            == "For unbatched 2-D input, hx should also be 2-D but got 3-D tensor")
        #expect(Self.errorMessage { _ = gru(Tensor.zeros([2, 2, 3]), Tensor.zeros([2, 2, 4])) } == "Expected hidden size (1, 2, 4), got [2, 2, 4]")
        #expect(Self.errorMessage { _ = RNN(3, 4)(Tensor.zeros([2, 2, 3], dtype: .float64)) }
            == "RNN input dtype (torch.float64) does not match weight dtype (torch.float32). Convert input: input.to(torch.float32), or convert model: model.to(torch.float64)")
        #expect(Self.errorMessage { _ = RNN(3, 4)(Tensor.zeros([0, 2, 3])) } == "Expected sequence length to be larger than 0 in RNN")
        #expect(Self.errorMessage { _ = LSTM(3, 4, projSize: 4) } == "proj_size has to be smaller than hidden_size")
        #expect(Self.errorMessage { _ = RNN(3, 4, nonlinearity: "foo") } == "Unknown nonlinearity 'foo'. Select from 'tanh' or 'relu'.")
        #expect(Self.errorMessage { _ = LSTMCell(3, 4)(Tensor.zeros([2, 5])) } == "input has inconsistent input_size: got 5 expected 3")
        #expect(Self.errorMessage { _ = GRUCell(3, 4)(Tensor.zeros([2, 3]), Tensor.zeros([3, 4])) } == "Input batch size 2 doesn't match hidden0 batch size 3")
        #expect(Self.errorMessage { _ = LSTMCell(3, 4)(Tensor.zeros([2, 3]), (Tensor.zeros([2, 4]), Tensor.zeros([2, 5]))) }
            == "hidden1 has inconsistent hidden_size: got 5, expected 4")
    }
}
