import TorchCore

/// A batch of variable-length sequences stored time step by time step without
/// padding (`nn.utils.rnn.PackedSequence`): `data` holds the rows of step 0 for
/// the `batchSizes[0]` sequences alive then, then step 1, ...; sequences are
/// ordered by decreasing length (`sortedIndices` maps that order back to the
/// caller's batch when the lengths were not already sorted).
public struct PackedSequence {
    /// [sum(batchSizes), *] rows, time-major.
    public var data: Tensor
    /// How many sequences are alive at each time step (non-increasing).
    public var batchSizes: [Int]
    /// Position in the original batch of each sorted sequence (int64), or nil when
    /// the input was already sorted.
    public var sortedIndices: Tensor?
    /// The inverse permutation of `sortedIndices`.
    public var unsortedIndices: Tensor?

    public init(data: Tensor, batchSizes: [Int], sortedIndices: Tensor? = nil, unsortedIndices: Tensor? = nil) {
        self.data = data
        self.batchSizes = batchSizes
        self.sortedIndices = sortedIndices
        self.unsortedIndices = unsortedIndices ?? sortedIndices.map { invertPermutation($0) }
    }

    /// `batch_sizes` as an int64 tensor, like PyTorch stores it.
    public var batchSizesTensor: Tensor { Tensor(batchSizes) }

    /// A copy with `data` replaced (same layout), e.g. after an elementwise op.
    public func withData(_ newData: Tensor) -> PackedSequence {
        PackedSequence(data: newData, batchSizes: batchSizes, sortedIndices: sortedIndices, unsortedIndices: unsortedIndices)
    }

    static var placeholder: PackedSequence { PackedSequence(data: Tensor.empty([0]), batchSizes: []) }
}

func invertPermutation(_ perm: Tensor) -> Tensor {
    let p = perm.to(.int64).contiguous().toArray(Int64.self)
    var inv = [Int](repeating: 0, count: p.count)
    for (i, v) in p.enumerated() where v >= 0 && Int(v) < p.count { inv[Int(v)] = i }
    return Tensor(inv)
}

/// Stacks sequences of shape [L_i, *] into [maxL, B, *] (or [B, maxL, *] with
/// `batchFirst`), filling the missing steps with `paddingValue` on `paddingSide`
/// ("right" or "left") (`nn.utils.rnn.pad_sequence`). Differentiable.
public func padSequence(_ sequences: [Tensor], batchFirst: Bool = false, paddingValue: Double = 0, paddingSide: String = "right") -> Tensor {
    guard paddingSide == "right" || paddingSide == "left" else {
        torchCheck(false, "Expected padding_side to be one of left or right, but got \(paddingSide).")
        return Tensor.empty([0])
    }
    guard !sequences.isEmpty else {
        torchCheck(false, "received an empty list of sequences")
        return Tensor.empty([0])
    }
    guard sequences.allSatisfy({ $0.rank >= 1 }) else {
        torchCheck(false, "pad_sequence: expected every sequence to have at least 1 dimension")
        return Tensor.empty([0])
    }
    let maxLen = sequences.map { $0.shape[0] }.max()!
    let padded = sequences.map { s -> Tensor in
        let missing = maxLen - s.shape[0]
        if missing == 0 { return s }
        let fill = Tensor.full([missing] + Array(s.shape.dropFirst()), .double(paddingValue), dtype: s.dtype, device: s.device)
        return Tensor.cat(paddingSide == "right" ? [s, fill] : [fill, s], dim: 0)
    }
    return Tensor.stack(padded, dim: batchFirst ? 0 : 1)
}

/// Packs a padded batch [T, B, *] (or [B, T, *] with `batchFirst`) whose sequences
/// have the given lengths (`nn.utils.rnn.pack_padded_sequence`). With
/// `enforceSorted` the lengths must be non-increasing; otherwise the batch is
/// sorted (stably) by decreasing length and the permutation is recorded.
public func packPaddedSequence(_ input: Tensor, lengths: [Int], batchFirst: Bool = false, enforceSorted: Bool = true) -> PackedSequence {
    var lengths = lengths
    var x = input
    var sortedIndices: Tensor? = nil
    guard input.rank >= 2 else {
        torchCheck(false, "pack_padded_sequence: expected an input with at least 2 dimensions, got \(input.rank)D")
        return .placeholder
    }
    if enforceSorted {
        guard zip(lengths, lengths.dropFirst()).allSatisfy({ $0 >= $1 }) else {
            torchCheck(false, "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement if you do not need ONNX exportability.")
            return .placeholder
        }
    } else {
        let order = lengths.indices.sorted { lengths[$0] != lengths[$1] ? lengths[$0] > lengths[$1] : $0 < $1 }
        let batchDim = batchFirst ? 0 : 1
        guard order.count == input.shape[batchDim] else {
            torchCheck(false, "Expected `len(lengths)` to be equal to batch_size, but got \(lengths.count) (batch_size=\(input.shape[batchDim]))")
            return .placeholder
        }
        sortedIndices = Tensor(order)
        lengths = order.map { lengths[$0] }
        x = x.indexSelect(batchDim, sortedIndices!)
    }
    if batchFirst { x = x.transpose(0, 1) }
    let steps = x.shape[0], batch = x.shape[1]
    guard lengths.count == batch else {
        torchCheck(false, "Expected `len(lengths)` to be equal to batch_size, but got \(lengths.count) (batch_size=\(batch))")
        return .placeholder
    }
    guard let last = lengths.last, last > 0 else {
        torchCheck(false, "Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0")
        return .placeholder
    }
    guard lengths[0] <= steps else {
        torchCheck(false, "pack_padded_sequence: a sequence has length \(lengths[0]) but the padded input has only \(steps) time steps")
        return .placeholder
    }
    var batchSizes: [Int] = []
    var rows: [Tensor] = []
    for t in 0..<lengths[0] {
        let bs = lengths.reduce(0) { $0 + ($1 > t ? 1 : 0) }
        batchSizes.append(bs)
        rows.append(x.select(0, t).narrow(0, start: 0, length: bs))
    }
    return PackedSequence(data: Tensor.cat(rows, dim: 0), batchSizes: batchSizes, sortedIndices: sortedIndices)
}

/// `packPaddedSequence` with the lengths given as an integer tensor.
public func packPaddedSequence(_ input: Tensor, lengths: Tensor, batchFirst: Bool = false, enforceSorted: Bool = true) -> PackedSequence {
    packPaddedSequence(input, lengths: lengths.to(.int64).contiguous().toArray(Int64.self).map { Int($0) },
                       batchFirst: batchFirst, enforceSorted: enforceSorted)
}

/// Undoes `packPaddedSequence` (`nn.utils.rnn.pad_packed_sequence`): returns the
/// padded batch [T, B, *] (or [B, T, *]) in the caller's original batch order,
/// with T = `totalLength` when given, and each sequence's length.
public func padPackedSequence(_ sequence: PackedSequence, batchFirst: Bool = false, paddingValue: Double = 0,
                              totalLength: Int? = nil) -> (padded: Tensor, lengths: [Int]) {
    let bsz = sequence.batchSizes
    guard let batch = bsz.first else {
        torchCheck(false, "pad_packed_sequence: empty PackedSequence")
        return (Tensor.empty([0]), [])
    }
    let steps = bsz.count
    let total = totalLength ?? steps
    guard total >= steps else {
        torchCheck(false, "Expected total_length to be at least the length of the longest sequence in input, but got total_length=\(total) and max sequence length being \(steps)")
        return (Tensor.empty([0]), [])
    }
    let data = sequence.data
    let feature = Array(data.shape.dropFirst())
    var rows: [Tensor] = []
    var offset = 0
    for bs in bsz {
        var piece = data.narrow(0, start: offset, length: bs)
        if bs < batch {
            piece = Tensor.cat([piece, Tensor.full([batch - bs] + feature, .double(paddingValue), dtype: data.dtype, device: data.device)], dim: 0)
        }
        rows.append(piece)
        offset += bs
    }
    var padded = Tensor.stack(rows, dim: 0)
    if total > steps {
        padded = Tensor.cat([padded, Tensor.full([total - steps, batch] + feature, .double(paddingValue), dtype: data.dtype, device: data.device)], dim: 0)
    }
    if batchFirst { padded = padded.transpose(0, 1) }
    var lengths = (0..<batch).map { b in bsz.reduce(0) { $0 + ($1 > b ? 1 : 0) } }
    if let unsorted = sequence.unsortedIndices {
        padded = padded.indexSelect(batchFirst ? 0 : 1, unsorted)
        let u = unsorted.to(.int64).contiguous().toArray(Int64.self)
        lengths = u.map { lengths[Int($0)] }
    }
    return (padded, lengths)
}

/// Packs a list of sequences [L_i, *] (`nn.utils.rnn.pack_sequence`).
public func packSequence(_ sequences: [Tensor], enforceSorted: Bool = true) -> PackedSequence {
    let lengths = sequences.map { $0.rank >= 1 ? $0.shape[0] : 0 }
    return packPaddedSequence(padSequence(sequences), lengths: lengths, enforceSorted: enforceSorted)
}

/// Splits a padded batch back into its sequences (`nn.utils.rnn.unpad_sequence`).
public func unpadSequence(_ padded: Tensor, lengths: [Int], batchFirst: Bool = false) -> [Tensor] {
    let x = batchFirst ? padded : padded.transpose(0, 1)
    return lengths.enumerated().map { i, l in x.select(0, i).narrow(0, start: 0, length: l) }
}

/// Splits a PackedSequence into its sequences in the original batch order
/// (`nn.utils.rnn.unpack_sequence`).
public func unpackSequence(_ packed: PackedSequence) -> [Tensor] {
    let (padded, lengths) = padPackedSequence(packed, batchFirst: true)
    return unpadSequence(padded, lengths: lengths, batchFirst: true)
}
