import Torch

typealias OpHandler = (OpCall) throws -> [Tensor]

extension TensorOrScalar {
    var asTensor: Tensor {
        switch self {
        case .tensor(let t): return t
        case .scalar(let s): return Tensor.wrappedNumber(s)
        }
    }
}

/// PyTorch op names mapped onto this project's API.
enum OpTable {
    static func unary(_ f: @escaping (Tensor) -> Tensor) -> OpHandler { { c in [f(try c.tensor(0, "input"))] } }

    static func binary(_ f: @escaping (Tensor, Tensor) -> Tensor) -> OpHandler {
        { c in [f(try c.operand(0, "input").asTensor, try c.operand(1, "other").asTensor)] }
    }

    /// Reductions taking optional `dim` (int or list) and `keepdim`.
    static func reduce(_ f: @escaping (Tensor, [Int]?, Bool) -> Tensor) -> OpHandler {
        { c in [f(try c.tensor(0, "input"), c.ints(1, "dim"), c.bool(2, "keepdim", default: false))] }
    }

    static func valuesIndices(_ f: @escaping (Tensor, Int, Bool) -> (values: Tensor, indices: Tensor),
                              whole: @escaping (Tensor) -> Tensor,
                              pair: ((Tensor, Tensor) -> Tensor)? = nil) -> OpHandler {
        { c in
            let x = try c.tensor(0, "input")
            if let other = c.optionalTensor(1, "other"), let pair { return [pair(x, other)] }
            guard let dim = c.int(1, "dim") else { return [whole(x)] }
            let r = f(x, dim, c.bool(2, "keepdim", default: false))
            return [r.values, r.indices]
        }
    }

    nonisolated(unsafe) static let handlers: [String: OpHandler] = {
        var h: [String: OpHandler] = [:]
        let unaries: [String: (Tensor) -> Tensor] = [
            "neg": { $0.neg() }, "abs": { $0.abs() }, "sign": { $0.sign() }, "sgn": { $0.sgn() },
            "sqrt": { $0.sqrt() }, "rsqrt": { $0.rsqrt() }, "exp": { $0.exp() }, "expm1": { $0.expm1() },
            "log": { $0.log() }, "log2": { $0.log2() }, "log10": { $0.log10() }, "log1p": { $0.log1p() },
            "sin": { $0.sin() }, "cos": { $0.cos() }, "tan": { $0.tan() }, "asin": { $0.asin() },
            "acos": { $0.acos() }, "atan": { $0.atan() }, "sinh": { $0.sinh() }, "cosh": { $0.cosh() },
            "tanh": { $0.tanh() }, "sigmoid": { $0.sigmoid() }, "erf": { $0.erf() }, "erfc": { $0.erfc() },
            "reciprocal": { $0.reciprocal() }, "square": { $0.square() }, "ceil": { $0.ceil() },
            "floor": { $0.floor() }, "trunc": { $0.trunc() }, "frac": { $0.frac() },
            "relu": { $0.relu() }, "isnan": { $0.isnan() }, "isinf": { $0.isinf() }, "isfinite": { $0.isfinite() },
            "signbit": { $0.signbit() }, "logical_not": { $0.logicalNot() }, "bitwise_not": { $0.bitwiseNot() },
            "Tensor.contiguous": { $0.contiguous() }, "t": { $0.t() }, "trace": { $0.trace() },
            "nonzero": { $0.nonzero() }, "zeros_like": { $0.zerosLike() }, "ones_like": { $0.onesLike() },
            "clone": { $0.clone() },
        ]
        for (k, f) in unaries { h[k] = unary(f) }
        h["round"] = { c in
            let x = try c.tensor(0, "input")
            return [x.round(decimals: c.int(1, "decimals", default: 0))]
        }

        let binaries: [String: (Tensor, Tensor) -> Tensor] = [
            "mul": { $0 * $1 }, "atan2": { $0.atan2($1) }, "fmod": { $0.fmod($1) },
            "remainder": { $0.remainder($1) }, "floor_divide": { $0.floorDivide($1) }, "maximum": { $0.maximum($1) },
            "minimum": { $0.minimum($1) }, "hypot": { $0.hypot($1) }, "xlogy": { $0.xlogy($1) }, "copysign": { $0.copysign($1) },
            "bitwise_and": { $0.bitwiseAnd($1) }, "bitwise_or": { $0.bitwiseOr($1) }, "bitwise_xor": { $0.bitwiseXor($1) },
            "logical_and": { $0.logicalAnd($1) }, "logical_or": { $0.logicalOr($1) }, "logical_xor": { $0.logicalXor($1) },
            "eq": { $0.eq($1) }, "ne": { $0.ne($1) }, "lt": { $0.lt($1) }, "le": { $0.le($1) }, "gt": { $0.gt($1) }, "ge": { $0.ge($1) },
            "pow": { $0.pow($1) }, "dot": { $0.dot($1) }, "outer": { $0.outer($1) },
            "matmul": { $0.matmul($1) }, "mm": { $0.mm($1) }, "bmm": { $0.bmm($1) },
        ]
        for (k, f) in binaries { h[k] = binary(f) }
        h["add"] = { c in
            let a = try c.operand(0, "input").asTensor, b = try c.operand(1, "other").asTensor
            return [a.add(b, alpha: c.scalar(2, "alpha") ?? 1)]
        }
        h["sub"] = { c in
            let a = try c.operand(0, "input").asTensor, b = try c.operand(1, "other").asTensor
            return [a.sub(b, alpha: c.scalar(2, "alpha") ?? 1)]
        }
        h["div"] = { c in
            let a = try c.operand(0, "input").asTensor, b = try c.operand(1, "other").asTensor
            return [a.div(b, roundingMode: c.string(2, "rounding_mode"))]
        }
        h["lerp"] = { c in
            let a = try c.tensor(0, "input"), b = try c.tensor(1, "end")
            switch try c.operand(2, "weight") {
            case .tensor(let w): return [a.lerp(b, weight: w)]
            case .scalar(let s): return [a.lerp(b, weight: s)]
            }
        }
        h["addcmul"] = { c in [try c.tensor(0, "input").addcmul(try c.tensor(1, "tensor1"), try c.tensor(2, "tensor2"), value: c.scalar(3, "value") ?? 1)] }
        h["addcdiv"] = { c in [try c.tensor(0, "input").addcdiv(try c.tensor(1, "tensor1"), try c.tensor(2, "tensor2"), value: c.scalar(3, "value") ?? 1)] }
        h["addmm"] = { c in
            [try c.tensor(0, "input").addmm(try c.tensor(1, "mat1"), try c.tensor(2, "mat2"),
                                            beta: c.scalar(3, "beta") ?? 1, alpha: c.scalar(4, "alpha") ?? 1)]
        }
        h["where"] = { c in
            [Tensor.where(try c.tensor(0, "condition"), try c.operand(1, "input").asTensor, try c.operand(2, "other").asTensor)]
        }
        h["masked_fill"] = { c in
            let x = try c.tensor(0, "input"), m = try c.tensor(1, "mask")
            switch try c.operand(2, "value") {
            case .tensor(let v): return [x.maskedFill(m, v)]
            case .scalar(let s): return [x.maskedFill(m, s)]
            }
        }
        h["clamp"] = { c in
            let x = try c.tensor(0, "input")
            if c.optionalTensor(1, "min") != nil || c.optionalTensor(2, "max") != nil {
                return [x.clamp(min: c.optionalTensor(1, "min"), max: c.optionalTensor(2, "max"))]
            }
            return [x.clamp(min: c.scalar(1, "min"), max: c.scalar(2, "max"))]
        }
        h["nan_to_num"] = { c in
            [try c.tensor(0, "input").nanToNum(nan: c.double(1, "nan") ?? 0, posinf: c.double(2, "posinf"), neginf: c.double(3, "neginf"))]
        }

        // reductions
        h["sum"] = { c in
            let x = try c.tensor(0, "input")
            let dt = c.string(3, "dtype").flatMap(DType.init(name:))
            guard let dims = c.ints(1, "dim") else { return [x.sum(dtype: dt)] }
            return [x.sum(dims: dims, keepdim: c.bool(2, "keepdim", default: false), dtype: dt)]
        }
        h["mean"] = { c in
            let x = try c.tensor(0, "input")
            return [x.mean(dims: c.ints(1, "dim"), keepdim: c.bool(2, "keepdim", default: false), dtype: c.string(3, "dtype").flatMap(DType.init(name:)))]
        }
        h["prod"] = { c in
            let x = try c.tensor(0, "input")
            guard let d = c.int(1, "dim") else { return [x.prod()] }
            return [x.prod(dim: d, keepdim: c.bool(2, "keepdim", default: false))]
        }
        h["amax"] = reduce { $0.amax(dims: $1, keepdim: $2) }
        h["amin"] = reduce { $0.amin(dims: $1, keepdim: $2) }
        h["max"] = valuesIndices({ $0.max(dim: $1, keepdim: $2) }, whole: { $0.max() }, pair: { $0.maximum($1) })
        h["min"] = valuesIndices({ $0.min(dim: $1, keepdim: $2) }, whole: { $0.min() }, pair: { $0.minimum($1) })
        h["median"] = valuesIndices({ $0.median(dim: $1, keepdim: $2) }, whole: { $0.median() })
        h["argmax"] = { c in [try c.tensor(0, "input").argmax(dim: c.int(1, "dim"), keepdim: c.bool(2, "keepdim", default: false))] }
        h["argmin"] = { c in [try c.tensor(0, "input").argmin(dim: c.int(1, "dim"), keepdim: c.bool(2, "keepdim", default: false))] }
        h["all"] = { c in
            let x = try c.tensor(0, "input")
            guard let d = c.int(1, "dim") else { return [x.all()] }
            return [x.all(dim: d, keepdim: c.bool(2, "keepdim", default: false))]
        }
        h["any"] = { c in
            let x = try c.tensor(0, "input")
            guard let d = c.int(1, "dim") else { return [x.any()] }
            return [x.any(dim: d, keepdim: c.bool(2, "keepdim", default: false))]
        }
        h["count_nonzero"] = { c in [try c.tensor(0, "input").countNonzero(dims: c.ints(1, "dim"))] }
        func correction(_ c: OpCall) -> Double {
            if let corr = c.double(99, "correction") { return corr }
            if let unbiased = c.json(99, "unbiased")?.boolValue { return unbiased ? 1 : 0 }
            return 1
        }
        h["var"] = { c in [try c.tensor(0, "input").variance(dims: c.ints(1, "dim"), correction: correction(c), keepdim: c.bool(99, "keepdim", default: false))] }
        h["std"] = { c in [try c.tensor(0, "input").std(dims: c.ints(1, "dim"), correction: correction(c), keepdim: c.bool(99, "keepdim", default: false))] }
        h["logsumexp"] = { c in [try c.tensor(0, "input").logsumexp(dims: c.ints(1, "dim") ?? [], keepdim: c.bool(2, "keepdim", default: false))] }
        h["norm"] = { c in
            let x = try c.tensor(0, "input")
            return [x.norm(p: c.double(1, "p") ?? 2, dims: c.ints(2, "dim"), keepdim: c.bool(3, "keepdim", default: false))]
        }
        h["linalg.vector_norm"] = { c in
            let x = try c.tensor(0, "input")
            return [x.vectorNorm(ord: c.double(1, "ord") ?? 2, dims: c.ints(2, "dim"), keepdim: c.bool(3, "keepdim", default: false))]
        }
        h["cumsum"] = { c in [try c.tensor(0, "input").cumsum(c.int(1, "dim") ?? 0)] }
        h["cumprod"] = { c in [try c.tensor(0, "input").cumprod(c.int(1, "dim") ?? 0)] }
        h["softmax"] = { c in [try c.tensor(0, "input").softmax(dim: c.int(1, "dim") ?? -1)] }
        h["log_softmax"] = { c in [try c.tensor(0, "input").logSoftmax(dim: c.int(1, "dim") ?? -1)] }
        h["sort"] = { c in
            let r = try c.tensor(0, "input").sort(dim: c.int(1, "dim") ?? -1, descending: c.bool(2, "descending", default: false))
            return [r.values, r.indices]
        }
        h["argsort"] = { c in [try c.tensor(0, "input").argsort(dim: c.int(1, "dim") ?? -1, descending: c.bool(2, "descending", default: false))] }
        h["topk"] = { c in
            let r = try c.tensor(0, "input").topk(c.int(1, "k") ?? 1, dim: c.int(2, "dim") ?? -1,
                                                   largest: c.bool(3, "largest", default: true), sorted: c.bool(4, "sorted", default: true))
            return [r.values, r.indices]
        }

        // shape and views
        h["Tensor.view"] = { c in [try c.tensor(0).view(c.intList(from: 1, "size"))] }
        h["reshape"] = { c in [try c.tensor(0).reshape(c.intList(from: 1, "shape"))] }
        h["Tensor.expand"] = { c in [try c.tensor(0).expand(c.intList(from: 1, "size"))] }
        h["broadcast_to"] = { c in [try c.tensor(0).broadcastTo(c.intList(from: 1, "size"))] }
        h["Tensor.repeat"] = { c in [try c.tensor(0).repeated(c.intList(from: 1, "repeats"))] }
        h["tile"] = { c in [try c.tensor(0).tile(c.intList(from: 1, "dims"))] }
        h["permute"] = { c in [try c.tensor(0).permute(c.intList(from: 1, "dims"))] }
        h["transpose"] = { c in [try c.tensor(0).transpose(c.int(1, "dim0") ?? 0, c.int(2, "dim1") ?? 1)] }
        h["movedim"] = { c in [try c.tensor(0).movedim(c.ints(1, "source") ?? [], c.ints(2, "destination") ?? [])] }
        h["squeeze"] = { c in [try c.tensor(0).squeeze(c.ints(1, "dim"))] }
        h["unsqueeze"] = { c in [try c.tensor(0).unsqueeze(c.int(1, "dim") ?? 0)] }
        h["flatten"] = { c in [try c.tensor(0).flatten(startDim: c.int(1, "start_dim", default: 0), endDim: c.int(2, "end_dim", default: -1))] }
        h["unflatten"] = { c in [try c.tensor(0).unflatten(c.int(1, "dim") ?? 0, c.ints(2, "sizes") ?? [])] }
        h["narrow"] = { c in [try c.tensor(0).narrow(c.int(1, "dim") ?? 0, start: c.int(2, "start") ?? 0, length: c.int(3, "length") ?? 0)] }
        h["select"] = { c in [try c.tensor(0).select(c.int(1, "dim") ?? 0, c.int(2, "index") ?? 0)] }
        h["diagonal"] = { c in
            [try c.tensor(0).diagonal(offset: c.int(1, "offset", default: 0), dim1: c.int(2, "dim1", default: 0), dim2: c.int(3, "dim2", default: 1))]
        }
        h["flip"] = { c in [try c.tensor(0).flip(c.intList(from: 1, "dims"))] }
        h["roll"] = { c in [try c.tensor(0).roll(c.ints(1, "shifts") ?? [], dims: c.ints(2, "dims") ?? [])] }
        h["tril"] = { c in [try c.tensor(0).tril(c.int(1, "diagonal", default: 0))] }
        h["triu"] = { c in [try c.tensor(0).triu(c.int(1, "diagonal", default: 0))] }
        h["repeat_interleave"] = { c in [try c.tensor(0).repeatInterleave(c.int(1, "repeats") ?? 1, dim: c.int(2, "dim"))] }
        h["split"] = { c in
            let x = try c.tensor(0)
            let dim = c.int(2, "dim", default: 0)
            if let sizes = c.json(1, "split_size_or_sections")?.arrayValue { return x.split(sizes: sizes.compactMap(\.intValue), dim: dim) }
            return x.split(c.int(1, "split_size_or_sections") ?? 1, dim: dim)
        }
        h["chunk"] = { c in try c.tensor(0).chunk(c.int(1, "chunks") ?? 1, dim: c.int(2, "dim", default: 0)) }
        h["unbind"] = { c in try c.tensor(0).unbind(c.int(1, "dim", default: 0)) }
        h["cat"] = { c in
            guard case .tensors(let ts)? = c.arg(0, "tensors") else { throw CaseError("cat expects a list of tensors") }
            return [Tensor.cat(ts, dim: c.int(1, "dim", default: 0))]
        }
        h["stack"] = { c in
            guard case .tensors(let ts)? = c.arg(0, "tensors") else { throw CaseError("stack expects a list of tensors") }
            return [Tensor.stack(ts, dim: c.int(1, "dim", default: 0))]
        }
        h["Tensor.to"] = { c in
            guard let name = c.string(1, "dtype"), let dt = DType(name: name) else { throw CaseError("Tensor.to: unknown dtype") }
            return [try c.tensor(0).to(dt)]
        }

        // indexing
        h["gather"] = { c in [try c.tensor(0).gather(c.int(1, "dim") ?? 0, try c.tensor(2, "index"))] }
        h["scatter"] = { c in
            let x = try c.tensor(0), d = c.int(1, "dim") ?? 0, idx = try c.tensor(2, "index")
            if let src = c.optionalTensor(3, "src") { return [x.scatter(d, idx, src)] }
            return [x.scatter(d, idx, value: c.scalar(3, "value") ?? 0)]
        }
        h["scatter_add"] = { c in [try c.tensor(0).scatterAdd(c.int(1, "dim") ?? 0, try c.tensor(2, "index"), try c.tensor(3, "src"))] }
        h["index_select"] = { c in [try c.tensor(0).indexSelect(c.int(1, "dim") ?? 0, try c.tensor(2, "index"))] }
        h["index_add"] = { c in
            [try c.tensor(0).indexAdd(c.int(1, "dim") ?? 0, try c.tensor(2, "index"), try c.tensor(3, "source"), alpha: c.scalar(4, "alpha") ?? 1)]
        }
        h["masked_select"] = { c in [try c.tensor(0).maskedSelect(try c.tensor(1, "mask"))] }
        h["take_along_dim"] = { c in [try c.tensor(0).takeAlongDim(try c.tensor(1, "indices"), dim: c.int(2, "dim"))] }
        h["getitem"] = { c in
            let x = try c.tensor(0)
            var items: [TensorIndex] = []
            let raw: [CaseArg]
            switch c.arg(1, "index") {
            case .value(let v)?:
                raw = (v.arrayValue ?? [v]).map { CaseArg.value($0) }
            case .tensors(let ts)?: raw = ts.map { CaseArg.tensor($0) }
            case .tensor(let t)?: raw = [.tensor(t)]
            case nil: raw = []
            }
            for r in raw {
                switch r {
                case .tensor(let t): items.append(.tensor(t))
                case .tensors: throw CaseError("nested tensor lists are not indices")
                case .value(let v):
                    switch v {
                    case .int(let i): items.append(.index(Int(i)))
                    case .null: items.append(.newAxis)
                    case .string("..."): items.append(.ellipsis)
                    case .object(let d, _) where d["t"]?.intValue != nil:
                        items.append(.tensor(c.inputs[d["t"]!.intValue!]))
                    default:
                        if let s = v["slice"]?.arrayValue, s.count == 3 {
                            items.append(.slice(s[0].intValue, s[1].intValue, s[2].intValue ?? 1))
                        } else {
                            throw CaseError("unknown index item \(v.serialized)")
                        }
                    }
                }
            }
            return [x[items]]
        }

        // linear algebra
        h["einsum"] = { c in
            guard let eq = c.string(0, "equation") else { throw CaseError("einsum needs an equation") }
            var ops: [Tensor] = []
            for a in c.args.dropFirst() {
                switch a {
                case .tensor(let t): ops.append(t)
                case .tensors(let ts): ops += ts
                case .value: break
                }
            }
            return [Tensor.einsum(eq, ops)]
        }

        // creation
        h["zeros"] = { c in [Tensor.zeros(c.intList(from: 0, "size"), dtype: c.string(99, "dtype").flatMap(DType.init(name:)) ?? .float32)] }
        h["ones"] = { c in [Tensor.ones(c.intList(from: 0, "size"), dtype: c.string(99, "dtype").flatMap(DType.init(name:)) ?? .float32)] }
        h["full"] = { c in
            [Tensor.full(c.ints(0, "size") ?? [], c.scalar(1, "fill_value") ?? 0, dtype: c.string(99, "dtype").flatMap(DType.init(name:)))]
        }
        h["arange"] = { c in
            let dt = c.string(99, "dtype").flatMap(DType.init(name:))
            let positional = c.args.compactMap { a -> Scalar? in
                if case .value(let v) = a { return v.intValue != nil && v.doubleValue == nil ? nil : (v == .null ? nil : (isInt(v) ? .int(Int64(v.intValue!)) : .double(v.doubleValue!))) }
                return nil
            }
            switch positional.count {
            case 1: return [Tensor.arange(0, positional[0], dtype: dt)]
            case 2: return [Tensor.arange(positional[0], positional[1], dtype: dt)]
            default: return [Tensor.arange(positional[0], positional[1], step: positional[2], dtype: dt)]
            }
        }
        h["linspace"] = { c in
            [Tensor.linspace(c.double(0, "start") ?? 0, c.double(1, "end") ?? 0, steps: c.int(2, "steps") ?? 0,
                             dtype: c.string(99, "dtype").flatMap(DType.init(name:)) ?? .float32)]
        }
        registerFunctional(&h)
        registerConvolution(&h)
        h["eye"] = { c in [Tensor.eye(c.int(0, "n") ?? 0, c.int(1, "m"), dtype: c.string(99, "dtype").flatMap(DType.init(name:)) ?? .float32)] }
        return h
    }()

    static func isInt(_ v: JSON) -> Bool { if case .int = v { return true } else { return false } }
}
