import Testing
import Torch

/// Every differentiable op against float64 central finite differences.
struct GradcheckTests {
    static func input(_ shape: [Int], seed: UInt64, positive: Bool = false, unit: Bool = false) -> Tensor {
        var t = Tensor.randn(shape, dtype: .float64, generator: Generator(seed: seed))
        if positive { t = t.abs() + 0.5 }
        if unit { t = t.tanh() * 0.9 }
        return t.detach().requiresGrad_()
    }

    typealias Op = (name: String, inputs: [Tensor], f: ([Tensor]) -> Tensor)

    static var unaryOps: [Op] {
        let x = { input([2, 3], seed: 1) }
        let p = { input([2, 3], seed: 2, positive: true) }
        let u = { input([2, 3], seed: 3, unit: true) }
        return [
            ("neg", [x()], { $0[0].neg() }), ("abs", [x()], { $0[0].abs() }), ("sqrt", [p()], { $0[0].sqrt() }),
            ("rsqrt", [p()], { $0[0].rsqrt() }), ("exp", [x()], { $0[0].exp() }), ("expm1", [x()], { $0[0].expm1() }),
            ("log", [p()], { $0[0].log() }), ("log2", [p()], { $0[0].log2() }), ("log10", [p()], { $0[0].log10() }),
            ("log1p", [p()], { $0[0].log1p() }), ("sin", [x()], { $0[0].sin() }), ("cos", [x()], { $0[0].cos() }),
            ("tan", [u()], { $0[0].tan() }), ("asin", [u()], { $0[0].asin() }), ("acos", [u()], { $0[0].acos() }),
            ("atan", [x()], { $0[0].atan() }), ("sinh", [x()], { $0[0].sinh() }), ("cosh", [x()], { $0[0].cosh() }),
            ("tanh", [x()], { $0[0].tanh() }), ("sigmoid", [x()], { $0[0].sigmoid() }), ("erf", [x()], { $0[0].erf() }),
            ("erfc", [x()], { $0[0].erfc() }), ("reciprocal", [p()], { $0[0].reciprocal() }), ("square", [x()], { $0[0].square() }),
            ("relu", [x()], { $0[0].relu() }), ("frac", [x()], { $0[0].frac() }),
            ("pow_scalar", [p()], { $0[0].pow(2.5) }), ("clamp", [x()], { $0[0].clamp(min: -0.5, max: 0.5) }),
        ]
    }

    static var binaryOps: [Op] {
        let a = { input([2, 3], seed: 11) }
        let b = { input([3], seed: 12) }
        let pa = { input([2, 3], seed: 13, positive: true) }
        let pb = { input([2, 3], seed: 14, positive: true) }
        return [
            ("add", [a(), b()], { $0[0] + $0[1] }), ("add_alpha", [a(), b()], { $0[0].add($0[1], alpha: 2.5) }),
            ("sub", [a(), b()], { $0[0] - $0[1] }), ("mul", [a(), b()], { $0[0] * $0[1] }),
            ("div", [a(), pb()], { $0[0] / $0[1] }), ("pow", [pa(), a()], { $0[0].pow($0[1]) }),
            ("atan2", [a(), pb()], { $0[0].atan2($0[1]) }), ("maximum", [a(), b()], { $0[0].maximum($0[1]) }),
            ("minimum", [a(), b()], { $0[0].minimum($0[1]) }), ("hypot", [a(), pb()], { $0[0].hypot($0[1]) }),
            ("xlogy", [a(), pb()], { $0[0].xlogy($0[1]) }), ("fmod", [a(), pb()], { $0[0].fmod($0[1]) }),
            ("remainder", [a(), pb()], { $0[0].remainder($0[1]) }),
            ("where", [a(), pb()], { Tensor.where($0[0] > 0, $0[0], $0[1]) }),
            ("lerp", [a(), pb(), input([2, 3], seed: 15)], { $0[0].lerp($0[1], weight: $0[2]) }),
            ("addcmul", [a(), pb(), input([2, 3], seed: 16)], { $0[0].addcmul($0[1], $0[2], value: 0.5) }),
            ("addcdiv", [a(), a(), pb()], { $0[0].addcdiv($0[1], $0[2], value: 0.5) }),
            ("masked_fill", [a()], { $0[0].maskedFill($0[0] > 0, 2.0) }),
        ]
    }

    static var reductionOps: [Op] {
        let x = { input([3, 4], seed: 21) }
        return [
            ("sum", [x()], { $0[0].sum() }), ("sum_dim", [x()], { $0[0].sum(dim: 1, keepdim: true) }),
            ("mean", [x()], { $0[0].mean(dims: [0]) }), ("prod", [x()], { $0[0].prod(dim: 1) }),
            ("prod_all", [input([2, 3], seed: 22)], { $0[0].prod() }),
            ("amax", [x()], { $0[0].amax(dim: 1) }), ("amin", [x()], { $0[0].amin(dims: [0]) }),
            ("max_dim", [x()], { $0[0].max(dim: 1).values }), ("min_dim", [x()], { $0[0].min(dim: 0).values }),
            ("var", [x()], { $0[0].variance(dim: 1) }), ("std", [x()], { $0[0].std(dims: [0, 1]) }),
            ("logsumexp", [x()], { $0[0].logsumexp(dim: 1) }), ("norm", [x()], { $0[0].norm() }),
            ("vector_norm_1", [x()], { $0[0].vectorNorm(ord: 1, dims: [1]) }),
            ("vector_norm_3", [x()], { $0[0].vectorNorm(ord: 3) }),
            ("cumsum", [x()], { $0[0].cumsum(1) }), ("cumprod", [x()], { $0[0].cumprod(0) }),
            ("softmax", [x()], { $0[0].softmax(dim: 1) }), ("log_softmax", [x()], { $0[0].logSoftmax(dim: 0) }),
            ("sort", [x()], { $0[0].sort(dim: 1).values }), ("topk", [x()], { $0[0].topk(2, dim: 1).values }),
            ("median", [x()], { $0[0].median(dim: 1).values }),
        ]
    }

    static var shapeOps: [Op] {
        let x = { input([2, 3, 4], seed: 31) }
        let idx = Tensor([[0, 2], [1, 0]] as [[Int]])
        return [
            ("view", [x()], { $0[0].view([6, 4]) }), ("reshape_t", [x()], { $0[0].transpose(0, 2).reshape([-1]) }),
            ("permute", [x()], { $0[0].permute([2, 0, 1]) }), ("expand", [input([3, 1], seed: 32)], { $0[0].expand([2, 3, 5]) }),
            ("squeeze", [input([3, 1, 2], seed: 33)], { $0[0].squeeze() }), ("unsqueeze", [x()], { $0[0].unsqueeze(1) }),
            ("narrow", [x()], { $0[0].narrow(2, start: 1, length: 2) }), ("select", [x()], { $0[0].select(1, -1) }),
            ("slice_step", [x()], { $0[0][.all, 0..<3, Swift.stride(from: 0, to: 4, by: 2)] }),
            ("diagonal", [x()], { $0[0].diagonal(offset: 1, dim1: 1, dim2: 2) }),
            ("cat", [x(), input([2, 1, 4], seed: 34)], { Tensor.cat([$0[0], $0[1]], dim: 1) }),
            ("stack", [x(), x()], { Tensor.stack([$0[0], $0[1]], dim: 1) }),
            ("split", [x()], { $0[0].split(sizes: [1, 3], dim: 2)[1] }), ("chunk", [x()], { $0[0].chunk(2, dim: 2)[0] }),
            ("unbind", [x()], { $0[0].unbind(1)[2] }), ("flip", [x()], { $0[0].flip([0, 2]) }),
            ("roll", [x()], { $0[0].roll([1], dims: [2]) }), ("repeat", [input([2, 3], seed: 35)], { $0[0].repeated([2, 1, 2]) }),
            ("tile", [input([2, 3], seed: 36)], { $0[0].tile([2]) }), ("tril", [input([3, 3], seed: 37)], { $0[0].tril() }),
            ("triu", [input([3, 4], seed: 38)], { $0[0].triu(1) }), ("trace", [input([3, 3], seed: 39)], { $0[0].trace() }),
            ("movedim", [x()], { $0[0].movedim(0, -1) }), ("flatten", [x()], { $0[0].flatten(startDim: 1) }),
            ("repeat_interleave", [input([2, 3], seed: 40)], { $0[0].repeatInterleave(2, dim: 1) }),
            ("gather", [input([2, 3], seed: 41)], { $0[0].gather(1, idx) }),
            ("scatter", [input([2, 3], seed: 42), input([2, 2], seed: 43)], { $0[0].scatter(1, idx, $0[1]) }),
            ("scatter_add", [input([2, 3], seed: 44), input([2, 2], seed: 45)], { $0[0].scatterAdd(1, idx, $0[1]) }),
            ("index_select", [input([4, 3], seed: 46)], { $0[0].indexSelect(0, Tensor([3, 0, 3] as [Int])) }),
            ("index_add", [input([4, 3], seed: 47), input([2, 3], seed: 48)], { $0[0].indexAdd(0, Tensor([1, 1] as [Int]), $0[1]) }),
            ("masked_select", [input([2, 3], seed: 49)], { $0[0].maskedSelect($0[0] > 0) }),
            ("advanced_index", [input([4, 3], seed: 50)], { $0[0][Tensor([2, 0] as [Int]), 1...] }),
            ("take_along_dim", [input([2, 3], seed: 51)], { $0[0].takeAlongDim(idx, dim: 1) }),
        ]
    }

    static var linalgOps: [Op] {
        [
            ("matmul", [input([2, 3], seed: 61), input([3, 4], seed: 62)], { $0[0].matmul($0[1]) }),
            ("matmul_batched_broadcast", [input([2, 2, 3], seed: 63), input([3, 2], seed: 64)], { $0[0].matmul($0[1]) }),
            ("matmul_vec", [input([3], seed: 65), input([2, 3, 4], seed: 66)], { $0[0].matmul($0[1]) }),
            ("bmm", [input([2, 2, 3], seed: 67), input([2, 3, 2], seed: 68)], { $0[0].bmm($0[1]) }),
            ("addmm", [input([2], seed: 69), input([3, 4], seed: 70), input([4, 2], seed: 71)], { $0[0].addmm($0[1], $0[2], beta: 0.5, alpha: 2) }),
            ("dot", [input([4], seed: 72), input([4], seed: 73)], { $0[0].dot($0[1]) }),
            ("outer", [input([3], seed: 74), input([2], seed: 75)], { $0[0].outer($0[1]) }),
            ("einsum", [input([2, 3], seed: 76), input([3, 4], seed: 77)], { Tensor.einsum("ij,jk->ik", [$0[0], $0[1]]) }),
            ("einsum_diag", [input([3, 3], seed: 78)], { Tensor.einsum("ii->i", [$0[0]]) }),
        ]
    }

    @Test(arguments: unaryOps.map(\.name))
    func unary(_ name: String) throws { try check(Self.unaryOps, name) }

    @Test(arguments: binaryOps.map(\.name))
    func binary(_ name: String) throws { try check(Self.binaryOps, name) }

    @Test(arguments: reductionOps.map(\.name))
    func reduction(_ name: String) throws { try check(Self.reductionOps, name) }

    @Test(arguments: shapeOps.map(\.name))
    func shape(_ name: String) throws { try check(Self.shapeOps, name) }

    @Test(arguments: linalgOps.map(\.name))
    func linalg(_ name: String) throws { try check(Self.linalgOps, name) }

    func check(_ ops: [Op], _ name: String) throws {
        let op = ops.first { $0.name == name }!
        try gradcheck(op.f, inputs: op.inputs)
    }

    @Test(arguments: ["tanh", "exp", "sigmoid", "log", "sqrt", "sin", "mul", "div", "pow", "softmax", "log_softmax",
                      "logsumexp", "matmul", "prod", "var", "cumsum", "norm", "maximum", "gather", "index_select", "slice_step"])
    func secondDerivative(_ name: String) throws {
        let all = Self.unaryOps + Self.binaryOps + Self.reductionOps + Self.shapeOps + Self.linalgOps
        let op = all.first { $0.name == name }!
        try gradgradcheck(op.f, inputs: op.inputs)
    }

    @Test func gradcheckDetectsAWrongGradient() {
        struct WrongSquare: AutogradFunction {
            static func forward(_ ctx: FunctionContext, _ x: [Tensor]) -> [Tensor] { ctx.saveForBackward(x[0]); return [x[0] * x[0]] }
            static func backward(_ ctx: FunctionContext, _ g: [Tensor]) -> [Tensor?] { [g[0] * ctx.savedTensors[0] * 3] }
        }
        #expect(throws: GradcheckFailure.self) {
            try gradcheck({ WrongSquare.apply($0)[0] }, inputs: [Self.input([3], seed: 5)])
        }
    }
}
