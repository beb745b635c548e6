import TorchCore

/// The per-step math shared by the recurrent modules and cells, written with
/// differentiable tensor ops.
enum RecurrentMath {
    /// LSTM step from the summed gate pre-activations [B, 4H] (order i, f, g, o).

    /// GRU step (gate order r, z, n): `gi` = W_i x + b_i, `gh` = W_h h + b_h, so
    /// n = tanh(W_in x + b_in + r * (W_hn h + b_hn)) and h' = (1 - z) * n + z * h.
    static func gru(_ gi: Tensor, _ gh: Tensor, _ h: Tensor) -> Tensor {
        let i = gi.chunk(3, dim: 1), hh = gh.chunk(3, dim: 1)
        let r = (i[0] + hh[0]).sigmoid()
        let z = (i[1] + hh[1]).sigmoid()
        let n = (i[2] + r * hh[2]).tanh()
        return n + z * (h - n)
    }

    static func activation(_ x: Tensor, relu: Bool) -> Tensor { relu ? x.relu() : x.tanh() }
}

/// The machinery shared by `RNN`, `LSTM` and `GRU` (`nn.RNNBase`): parameters named
/// and ordered like PyTorch's (`weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`,
/// `bias_hh_l0`, `weight_hr_l0` with a projection, then the `_reverse` set, layer by
/// layer), all initialised uniform in ±1/sqrt(hidden_size). The recurrence runs on
/// time-major rows (a padded batch is a packed one whose batch sizes are all equal),
/// with the input projection of every time step done as one matmul per layer and
/// direction.
public class RNNBase: Module {
    public enum Mode: Sendable { case rnnTanh, rnnRelu, lstm, gru }

    public let mode: Mode
    public let inputSize: Int, hiddenSize: Int, numLayers: Int, bias: Bool, batchFirst: Bool
    public let dropout: Double, bidirectional: Bool, projSize: Int
    var flatWeights: [(String, Parameter<Tensor>)] = []

    var gateCount: Int {
        switch mode {
        case .rnnTanh, .rnnRelu: return 1
        case .lstm: return 4
        case .gru: return 3
        }
    }

    var modeName: String {
        switch mode {
        case .rnnTanh, .rnnRelu: return "RNN"
        case .lstm: return "LSTM"
        case .gru: return "GRU"
        }
    }

    var numDirections: Int { bidirectional ? 2 : 1 }
    /// Size of h: projSize when projecting, else hiddenSize.
    var outputHiddenSize: Int { projSize > 0 ? projSize : hiddenSize }

    init(mode: Mode, inputSize: Int, hiddenSize: Int, numLayers: Int, bias: Bool, batchFirst: Bool,
         dropout: Double, bidirectional: Bool, projSize: Int, dtype: DType) {
        self.mode = mode
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.numLayers = numLayers
        self.bias = bias
        self.batchFirst = batchFirst
        self.dropout = dropout
        self.bidirectional = bidirectional
        self.projSize = projSize
        super.init()
        torchCheck(dropout >= 0 && dropout <= 1,
                   "dropout should be a number in range [0, 1] representing the probability of an element being zeroed")
        torchCheck(hiddenSize > 0, "hidden_size must be greater than zero")
        torchCheck(numLayers > 0, "num_layers must be greater than zero")
        torchCheck(projSize >= 0, "proj_size should be a positive integer or zero to disable projections")
        torchCheck(projSize < hiddenSize, "proj_size has to be smaller than hidden_size")
        guard hiddenSize > 0, numLayers > 0, projSize >= 0, projSize < hiddenSize, inputSize >= 0 else { return }
        let gates = gateCount * hiddenSize
        let real = outputHiddenSize
        for layer in 0..<numLayers {
            for direction in 0..<numDirections {
                let layerInput = layer == 0 ? inputSize : real * numDirections
                let suffix = direction == 1 ? "_reverse" : ""
                var shapes: [(String, [Int])] = [("weight_ih_l\(layer)\(suffix)", [gates, layerInput]),
                                                 ("weight_hh_l\(layer)\(suffix)", [gates, real])]
                if bias {
                    shapes.append(("bias_ih_l\(layer)\(suffix)", [gates]))
                    shapes.append(("bias_hh_l\(layer)\(suffix)", [gates]))
                }
                if projSize > 0 { shapes.append(("weight_hr_l\(layer)\(suffix)", [projSize, hiddenSize])) }
                for (name, shape) in shapes {
                    flatWeights.append((name, Parameter<Tensor>(wrappedValue: Tensor.empty(shape, dtype: dtype))))
                }
            }
        }
        resetParameters()
    }

    /// Uniform in ±1/sqrt(hidden_size) for every parameter (`reset_parameters`).
    public func resetParameters() {
        let stdv = hiddenSize > 0 ? 1 / Double(hiddenSize).squareRoot() : 0
        for (_, p) in flatWeights { _ = Init.uniform_(p.wrappedValue, a: -stdv, b: stdv) }
    }

    public override func namedTensorBoxes() -> [(String, TensorBox)] {
        flatWeights.map { ($0.0, $0.1 as TensorBox) }
    }

    /// The parameters of each layer and direction in PyTorch's order (`all_weights`).
    public var allWeights: [[Tensor]] {
        let per = flatWeights.count / max(numLayers * numDirections, 1)
        return stride(from: 0, to: flatWeights.count, by: max(per, 1)).map { start in
            flatWeights[start..<min(start + per, flatWeights.count)].map { $0.1.wrappedValue }
        }
    }

    struct CellWeights {
        var wih: Tensor, whh: Tensor, bih: Tensor?, bhh: Tensor?, whr: Tensor?
    }

    func cellWeights(_ index: Int) -> CellWeights {
        let per = 2 + (bias ? 2 : 0) + (projSize > 0 ? 1 : 0)
        let w = flatWeights[(index * per)..<((index + 1) * per)].map { $0.1.wrappedValue }
        return CellWeights(wih: w[0], whh: w[1], bih: bias ? w[2] : nil, bhh: bias ? w[3] : nil,
                           whr: projSize > 0 ? w[per - 1] : nil)
    }

    /// One direction of one layer over packed rows. `xp` is the input projection
    /// [N, G*H] (with the biases that can be folded in); `h0`/`c0` are [B, *].
    /// Returns the output rows [N, Hout] and the final states [B, *].
    func runDirection(_ xp: Tensor, batchSizes: [Int], h0: Tensor, c0: Tensor?, weights w: CellWeights,
                      reverse: Bool) -> (output: Tensor, h: Tensor, c: Tensor?) {
        let steps = batchSizes.count
        var offsets = [Int](repeating: 0, count: steps)
        for t in stride(from: 1, to: steps, by: 1) { offsets[t] = offsets[t - 1] + batchSizes[t - 1] }
        let whhT = w.whh.t()
        let whrT = w.whr?.t()
        let relu = mode == .rnnRelu
        func step(_ x: Tensor, _ h: Tensor, _ c: Tensor?) -> (Tensor, Tensor?) {
            switch mode {
            case .rnnTanh, .rnnRelu:
                return (RecurrentMath.activation(x + h.matmul(whhT), relu: relu), nil)
            case .lstm:
                let (h2, c2) = lstmCell(gates: x + h.matmul(whhT), c: c!)
                return (whrT.map { h2.matmul($0) } ?? h2, c2)
            case .gru:
                var gh = h.matmul(whhT)
                if let b = w.bhh { gh = gh + b }
                return (RecurrentMath.gru(x, gh, h), nil)
            }
        }
        var outs: [Tensor] = []
        outs.reserveCapacity(steps)
        if !reverse {
            var h = h0, c = c0
            var cur = h0.shape[0]
            var doneH: [Tensor] = [], doneC: [Tensor] = []
            for t in 0..<steps {
                let bs = batchSizes[t]
                if bs < cur {
                    doneH.append(h.narrow(0, start: bs, length: cur - bs))
                    h = h.narrow(0, start: 0, length: bs)
                    if let cc = c {
                        doneC.append(cc.narrow(0, start: bs, length: cur - bs))
                        c = cc.narrow(0, start: 0, length: bs)
                    }
                    cur = bs
                }
                (h, c) = step(xp.narrow(0, start: offsets[t], length: bs), h, c)
                outs.append(h)
            }
            let finalH = doneH.isEmpty ? h : Tensor.cat([h] + doneH.reversed(), dim: 0)
            let finalC = c.map { cc in doneC.isEmpty ? cc : Tensor.cat([cc] + doneC.reversed(), dim: 0) }
            return (Tensor.cat(outs, dim: 0), finalH, finalC)
        } else {
            var cur = batchSizes[steps - 1]
            var h = h0.narrow(0, start: 0, length: cur)
            var c = c0?.narrow(0, start: 0, length: cur)
            for t in stride(from: steps - 1, through: 0, by: -1) {
                let bs = batchSizes[t]
                if bs > cur {
                    h = Tensor.cat([h, h0.narrow(0, start: cur, length: bs - cur)], dim: 0)
                    if let cc = c, let c0 { c = Tensor.cat([cc, c0.narrow(0, start: cur, length: bs - cur)], dim: 0) }
                    cur = bs
                }
                (h, c) = step(xp.narrow(0, start: offsets[t], length: bs), h, c)
                outs.append(h)
            }
            return (Tensor.cat(outs.reversed(), dim: 0), h, c)
        }
    }

    /// The whole stack over packed rows `data` [N, inputSize]. `h0`: [L*D, B, Hout],
    /// `c0`: [L*D, B, H] (LSTM). Returns output rows [N, D*Hout], h_n and c_n.
    func runStack(_ data: Tensor, batchSizes: [Int], h0: Tensor, c0: Tensor?) -> (output: Tensor, h: Tensor, c: Tensor?) {
        var layerInput = data
        var hs: [Tensor] = [], cs: [Tensor] = []
        for layer in 0..<numLayers {
            var outs: [Tensor] = []
            for direction in 0..<numDirections {
                let index = layer * numDirections + direction
                let w = cellWeights(index)
                if mode == .lstm, w.whr == nil, let steps = uniformSteps(batchSizes) {
                    // whole padded sequences: one fused layer op
                    let b = batchSizes[0]
                    let r = lstmLayer(layerInput.reshape([steps, b, -1]), h0: h0.select(0, index), c0: c0!.select(0, index),
                                      weightIH: w.wih, weightHH: w.whh, biasIH: w.bih, biasHH: w.bhh, reverse: direction == 1)
                    outs.append(r.output.reshape([steps * b, -1]))
                    hs.append(r.h)
                    cs.append(r.c)
                    continue
                }
                var xp = layerInput.matmul(w.wih.t())
                if let bih = w.bih {
                    xp = xp + (mode == .gru ? bih : bih + w.bhh!)
                }
                let r = runDirection(xp, batchSizes: batchSizes, h0: h0.select(0, index), c0: c0?.select(0, index),
                                     weights: w, reverse: direction == 1)
                outs.append(r.output)
                hs.append(r.h)
                if let c = r.c { cs.append(c) }
            }
            layerInput = outs.count == 1 ? outs[0] : Tensor.cat(outs, dim: 1)
            if dropout > 0 && training && layer < numLayers - 1 {
                layerInput = F.dropout(layerInput, p: dropout, training: true)
            }
        }
        return (layerInput, Tensor.stack(hs, dim: 0), mode == .lstm ? Tensor.stack(cs, dim: 0) : nil)
    }

    /// The number of steps when every step has the whole batch (a padded input).
    func uniformSteps(_ batchSizes: [Int]) -> Int? {
        guard let first = batchSizes.first, batchSizes.allSatisfy({ $0 == first }) else { return nil }
        return batchSizes.count
    }

    /// The output sequence only (for use in containers).
    public override func forward(_ input: Tensor) -> Tensor { runPadded(input, h0: nil, c0: nil).output }

    func checkDType(_ input: Tensor) -> Bool {
        guard let w = flatWeights.first?.1.wrappedValue else { return false }
        let ok = input.dtype == w.dtype
        torchCheck(ok, "\(modeName) input dtype (\(input.dtype)) does not match weight dtype (\(w.dtype)). Convert input: input.to(\(w.dtype)), or convert model: model.to(\(input.dtype))")
        return ok
    }

    func checkStates(batch: Int, h0: Tensor?, c0: Tensor?) -> Bool {
        let hShape = [numLayers * numDirections, batch, outputHiddenSize]
        let cShape = [numLayers * numDirections, batch, hiddenSize]
        func fmt(_ s: [Int]) -> String { "(" + s.map(String.init).joined(separator: ", ") + ")" }
        func fmtList(_ s: [Int]) -> String { "[" + s.map(String.init).joined(separator: ", ") + "]" }
        if let h0, h0.shape != hShape {
            torchCheck(false, "Expected hidden\(mode == .lstm ? "[0]" : "") size \(fmt(hShape)), got \(fmtList(h0.shape))")
            return false
        }
        if let c0, c0.shape != cShape {
            torchCheck(false, "Expected hidden[1] size \(fmt(cShape)), got \(fmtList(c0.shape))")
            return false
        }
        return true
    }

    /// Runs a padded input [T, B, I] / [B, T, I] / unbatched [T, I].
    func runPadded(_ input: Tensor, h0 hx: Tensor?, c0 cx: Tensor?) -> (output: Tensor, h: Tensor, c: Tensor?) {
        let bad = (Tensor.empty([0]), Tensor.empty([0]), mode == .lstm ? Tensor.empty([0]) : nil)
        guard input.rank == 2 || input.rank == 3 else {
            torchCheck(false, "\(modeName): Expected input to be 2D or 3D, got \(input.rank)D\(mode == .lstm || mode == .gru ? "" : " tensor") instead")
            return bad
        }
        let unbatched = input.rank == 2
        let batchDim = batchFirst ? 0 : 1
        var h0 = hx, c0 = cx
        if unbatched {
            if mode == .lstm, let h = hx, let c = cx, h.rank != 2 || c.rank != 2 {
                torchCheck(false, "For unbatched 2-D input, hx and cx should also be 2-D but got (\(h.rank)-D, \(c.rank)-D) tensors")
                return bad
            }
            if let h = hx, h.rank != 2 {
                torchCheck(false, "For unbatched 2-D input, hx should also be 2-D but got \(h.rank)-D tensor")
                return bad
            }
            h0 = hx?.unsqueeze(1)
            c0 = cx?.unsqueeze(1)
        } else {
            if mode == .lstm, let h = hx, let c = cx, h.rank != 3 || c.rank != 3 {
                torchCheck(false, "For batched 3-D input, hx and cx should also be 3-D but got (\(h.rank)-D, \(c.rank)-D) tensors")
                return bad
            }
            if let h = hx, h.rank != 3 {
                torchCheck(false, "For batched 3-D input, hx should also be 3-D but got \(h.rank)-D tensor")
                return bad
            }
        }
        var x = unbatched ? input.unsqueeze(batchDim) : input
        if batchFirst { x = x.transpose(0, 1) }
        guard checkDType(x) else { return bad }
        guard x.shape[2] == inputSize else {
            torchCheck(false, "input.size(-1) must be equal to input_size. Expected \(inputSize), got \(x.shape[2])")
            return bad
        }
        let steps = x.shape[0], batch = x.shape[1]
        guard steps > 0 else {
            torchCheck(false, "Expected sequence length to be larger than 0 in RNN")
            return bad
        }
        guard checkStates(batch: batch, h0: h0, c0: c0) else { return bad }
        let zerosH = h0 ?? Tensor.zeros([numLayers * numDirections, batch, outputHiddenSize], dtype: x.dtype, device: x.device)
        let zerosC: Tensor? = mode == .lstm ? (c0 ?? Tensor.zeros([numLayers * numDirections, batch, hiddenSize], dtype: x.dtype, device: x.device)) : nil
        let r = runStack(x.reshape([steps * batch, inputSize]), batchSizes: [Int](repeating: batch, count: steps), h0: zerosH, c0: zerosC)
        var output = r.output.reshape([steps, batch, numDirections * outputHiddenSize])
        if batchFirst { output = output.transpose(0, 1) }
        if unbatched {
            return (output.squeeze(batchDim), r.h.squeeze(1), r.c?.squeeze(1))
        }
        return (output, r.h, r.c)
    }

    /// Runs a packed input; the states are in the caller's batch order.
    func runPackedInput(_ input: PackedSequence, h0 hx: Tensor?, c0 cx: Tensor?) -> (output: PackedSequence, h: Tensor, c: Tensor?) {
        let bad = (PackedSequence.placeholder, Tensor.empty([0]), mode == .lstm ? Tensor.empty([0]) : nil)
        guard let batch = input.batchSizes.first, input.data.rank == 2 else {
            torchCheck(false, "\(modeName): expected a non-empty PackedSequence with 2-D data")
            return bad
        }
        guard checkDType(input.data) else { return bad }
        guard input.data.shape[1] == inputSize else {
            torchCheck(false, "input.size(-1) must be equal to input_size. Expected \(inputSize), got \(input.data.shape[1])")
            return bad
        }
        var h0 = hx, c0 = cx
        if let sorted = input.sortedIndices {
            h0 = h0?.indexSelect(1, sorted)
            c0 = c0?.indexSelect(1, sorted)
        }
        guard checkStates(batch: batch, h0: h0, c0: c0) else { return bad }
        let x = input.data
        let zerosH = h0 ?? Tensor.zeros([numLayers * numDirections, batch, outputHiddenSize], dtype: x.dtype, device: x.device)
        let zerosC: Tensor? = mode == .lstm ? (c0 ?? Tensor.zeros([numLayers * numDirections, batch, hiddenSize], dtype: x.dtype, device: x.device)) : nil
        let r = runStack(x, batchSizes: input.batchSizes, h0: zerosH, c0: zerosC)
        var h = r.h, c = r.c
        if let unsorted = input.unsortedIndices {
            h = h.indexSelect(1, unsorted)
            c = c?.indexSelect(1, unsorted)
        }
        return (input.withData(r.output), h, c)
    }

    public override var extraDescription: String {
        var s = "\(inputSize), \(hiddenSize)"
        if projSize != 0 { s += ", proj_size=\(projSize)" }
        if numLayers != 1 { s += ", num_layers=\(numLayers)" }
        if !bias { s += ", bias=False" }
        if batchFirst { s += ", batch_first=True" }
        if dropout != 0 { s += ", dropout=\(dropout)" }
        if bidirectional { s += ", bidirectional=True" }
        return s
    }
}

/// Elman RNN (`nn.RNN`): h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh), or relu
/// with `nonlinearity: "relu"`.
public final class RNN: RNNBase {
    public let nonlinearity: String

    public init(_ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, nonlinearity: String = "tanh", bias: Bool = true,
                batchFirst: Bool = false, dropout: Double = 0, bidirectional: Bool = false, dtype: DType = .defaultFloat) {
        torchCheck(nonlinearity == "tanh" || nonlinearity == "relu",
                   "Unknown nonlinearity '\(nonlinearity)'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super.init(mode: nonlinearity == "relu" ? .rnnRelu : .rnnTanh, inputSize: inputSize, hiddenSize: hiddenSize,
                   numLayers: numLayers, bias: bias, batchFirst: batchFirst, dropout: dropout,
                   bidirectional: bidirectional, projSize: 0, dtype: dtype)
    }


    public override var extraDescription: String {
        super.extraDescription + (nonlinearity != "tanh" ? ", nonlinearity=\(nonlinearity)" : "")
    }
}

/// Long short-term memory (`nn.LSTM`), gates i, f, g, o; with `projSize` > 0 the
/// hidden state is projected by `weight_hr` (h has projSize features).
public final class LSTM: RNNBase {
    public init(_ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
                dropout: Double = 0, bidirectional: Bool = false, projSize: Int = 0, dtype: DType = .defaultFloat) {
        super.init(mode: .lstm, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
                   batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, projSize: projSize, dtype: dtype)
    }

    /// Returns the output, h_n [L*D, B, Hout] and c_n [L*D, B, H].
    public func callAsFunction(_ input: Tensor, _ state: (h: Tensor, c: Tensor)? = nil) -> (output: Tensor, h: Tensor, c: Tensor) {
        let r = runPadded(input, h0: state?.h, c0: state?.c)
        return (r.output, r.h, r.c ?? Tensor.empty([0]))
    }

    /// Packed input: a packed output and (h_n, c_n) at each sequence's last step.
    public func callAsFunction(_ input: PackedSequence, _ state: (h: Tensor, c: Tensor)? = nil) -> (output: PackedSequence, h: Tensor, c: Tensor) {
        let r = runPackedInput(input, h0: state?.h, c0: state?.c)
        return (r.output, r.h, r.c ?? Tensor.empty([0]))
    }

}

/// Gated recurrent unit (`nn.GRU`), gates r, z, n with PyTorch's
/// n = tanh(W_in x + b_in + r * (W_hn h + b_hn)).
public final class GRU: RNNBase {
    public init(_ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
                dropout: Double = 0, bidirectional: Bool = false, dtype: DType = .defaultFloat) {
        super.init(mode: .gru, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
                   batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, projSize: 0, dtype: dtype)
    }

}

/// `RNN` and `GRU`: recurrences whose only state is h.
public protocol HiddenStateRecurrence: RNNBase {}

extension RNN: HiddenStateRecurrence {}
extension GRU: HiddenStateRecurrence {}

extension HiddenStateRecurrence {
    /// Returns the output [T, B, D*H] (batch-first or unbatched like the input) and
    /// h_n [L*D, B, H].
    public func callAsFunction(_ input: Tensor, _ h0: Tensor? = nil) -> (output: Tensor, h: Tensor) {
        let r = runPadded(input, h0: h0, c0: nil)
        return (r.output, r.h)
    }

    /// Packed input: a packed output and h_n at each sequence's last step.
    public func callAsFunction(_ input: PackedSequence, _ h0: Tensor? = nil) -> (output: PackedSequence, h: Tensor) {
        let r = runPackedInput(input, h0: h0, c0: nil)
        return (r.output, r.h)
    }
}

// MARK: - Cells

/// Parameters and checks shared by the single-step cells (`nn.RNNCellBase`):
/// `weight_ih` [G*H, I], `weight_hh` [G*H, H], `bias_ih`, `bias_hh` [G*H].
public class RNNCellBase: Module {
    @Parameter public var weightIh: Tensor
    @Parameter public var weightHh: Tensor
    @Parameter public var biasIh: Tensor?
    @Parameter public var biasHh: Tensor?
    public let inputSize: Int, hiddenSize: Int
    let cellName: String

    init(_ inputSize: Int, _ hiddenSize: Int, bias: Bool, gates: Int, name: String, dtype: DType) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.cellName = name
        let stdv = hiddenSize > 0 ? 1 / Double(hiddenSize).squareRoot() : 0
        weightIh = Init.uniform_(Tensor.empty([gates * hiddenSize, inputSize], dtype: dtype), a: -stdv, b: stdv)
        weightHh = Init.uniform_(Tensor.empty([gates * hiddenSize, hiddenSize], dtype: dtype), a: -stdv, b: stdv)
        biasIh = bias ? Init.uniform_(Tensor.empty([gates * hiddenSize], dtype: dtype), a: -stdv, b: stdv) : nil
        biasHh = bias ? Init.uniform_(Tensor.empty([gates * hiddenSize], dtype: dtype), a: -stdv, b: stdv) : nil
        super.init()
    }

    /// Checks the input [B, I] / [I] and the states; returns the batched input and
    /// states (zeros when absent) and whether to squeeze the results, or nil after an error.
    func prepare(_ input: Tensor, _ states: [Tensor?]) -> (x: Tensor, states: [Tensor], unbatched: Bool)? {
        guard input.rank == 1 || input.rank == 2 else {
            torchCheck(false, "\(cellName): Expected input to be 1D or 2D, got \(input.rank)D instead")
            return nil
        }
        let unbatched = input.rank == 1
        let x = unbatched ? input.unsqueeze(0) : input
        guard x.shape[1] == inputSize else {
            torchCheck(false, "input has inconsistent input_size: got \(x.shape[1]) expected \(inputSize)")
            return nil
        }
        var out: [Tensor] = []
        for (k, s) in states.enumerated() {
            guard let s else {
                out.append(Tensor.zeros([x.shape[0], hiddenSize], dtype: x.dtype, device: x.device))
                continue
            }
            guard s.rank == input.rank else {
                torchCheck(false, unbatched ? "\(cellName): Expected hidden to be 1D, got \(s.rank)D instead"
                                            : "Expected 2D hidden\(k) (batch x hidden_size), but got \(s.rank)D tensor")
                return nil
            }
            let h = unbatched ? s.unsqueeze(0) : s
            guard h.shape[0] == x.shape[0] else {
                torchCheck(false, "Input batch size \(x.shape[0]) doesn't match hidden\(k) batch size \(h.shape[0])")
                return nil
            }
            guard h.shape[1] == hiddenSize else {
                torchCheck(false, "hidden\(k) has inconsistent hidden_size: got \(h.shape[1]), expected \(hiddenSize)")
                return nil
            }
            out.append(h)
        }
        return (x, out, unbatched)
    }

    func inputGates(_ x: Tensor) -> Tensor {
        let g = x.matmul(weightIh.t())
        return biasIh.map { g + $0 } ?? g
    }

    func hiddenGates(_ h: Tensor) -> Tensor {
        let g = h.matmul(weightHh.t())
        return biasHh.map { g + $0 } ?? g
    }

    public override var extraDescription: String { "\(inputSize), \(hiddenSize)\(biasIh == nil ? ", bias=False" : "")" }
}

/// One Elman RNN step (`nn.RNNCell`).
public final class RNNCell: RNNCellBase {
    public let nonlinearity: String

    public init(_ inputSize: Int, _ hiddenSize: Int, bias: Bool = true, nonlinearity: String = "tanh", dtype: DType = .defaultFloat) {
        torchCheck(nonlinearity == "tanh" || nonlinearity == "relu", "Unknown nonlinearity: \(nonlinearity)")
        self.nonlinearity = nonlinearity
        super.init(inputSize, hiddenSize, bias: bias, gates: 1, name: "RNNCell", dtype: dtype)
    }

    /// h' from input [B, I] (or [I]) and h [B, H] (zeros when nil).
    public func callAsFunction(_ input: Tensor, _ hx: Tensor? = nil) -> Tensor {
        guard let p = prepare(input, [hx]) else { return Tensor.empty([0]) }
        let h = RecurrentMath.activation(inputGates(p.x) + hiddenGates(p.states[0]), relu: nonlinearity == "relu")
        return p.unbatched ? h.squeeze(0) : h
    }

    public override func forward(_ input: Tensor) -> Tensor { self(input, nil) }
}

/// One LSTM step (`nn.LSTMCell`).
public final class LSTMCell: RNNCellBase {
    public init(_ inputSize: Int, _ hiddenSize: Int, bias: Bool = true, dtype: DType = .defaultFloat) {
        super.init(inputSize, hiddenSize, bias: bias, gates: 4, name: "LSTMCell", dtype: dtype)
    }

    /// (h', c') from input [B, I] (or [I]) and (h, c) (zeros when nil).
    public func callAsFunction(_ input: Tensor, _ state: (h: Tensor, c: Tensor)? = nil) -> (h: Tensor, c: Tensor) {
        guard let p = prepare(input, [state?.h, state?.c]) else { return (Tensor.empty([0]), Tensor.empty([0])) }
        let (h, c) = lstmCell(gates: inputGates(p.x) + hiddenGates(p.states[0]), c: p.states[1])
        return p.unbatched ? (h.squeeze(0), c.squeeze(0)) : (h, c)
    }

    /// h' only (for use in containers).
    public override func forward(_ input: Tensor) -> Tensor { self(input, nil).h }
}

/// One GRU step (`nn.GRUCell`).
public final class GRUCell: RNNCellBase {
    public init(_ inputSize: Int, _ hiddenSize: Int, bias: Bool = true, dtype: DType = .defaultFloat) {
        super.init(inputSize, hiddenSize, bias: bias, gates: 3, name: "GRUCell", dtype: dtype)
    }

    public func callAsFunction(_ input: Tensor, _ hx: Tensor? = nil) -> Tensor {
        guard let p = prepare(input, [hx]) else { return Tensor.empty([0]) }
        let h = RecurrentMath.gru(inputGates(p.x), hiddenGates(p.states[0]), p.states[0])
        return p.unbatched ? h.squeeze(0) : h
    }

    public override func forward(_ input: Tensor) -> Tensor { self(input, nil) }
}
