/// A finite-difference gradient check failed: which input, where, and the two values.
public struct GradcheckFailure: Error, CustomStringConvertible {
    public let description: String
}

/// Compares analytical gradients of `f` with central finite differences
/// (`torch.autograd.gradcheck`). Inputs that require grad should be float64.
/// Throws a `GradcheckFailure` naming the first mismatch.
public func gradcheck(
    _ f: ([Tensor]) -> Tensor, inputs: [Tensor],
    eps: Double = 1e-6, atol: Double = 1e-5, rtol: Double = 1e-3
) throws {
    let numeric = numericalJacobians(f, inputs, eps: eps)
    let analytic = try analyticalJacobians(f, inputs, createGraph: false)
    try compareJacobians(numeric, analytic, inputs, atol: atol, rtol: rtol, what: "gradient")
}

/// Checks second derivatives: the gradient of `f` (contracted with a fixed random
/// upstream gradient) is itself checked against finite differences
/// (`torch.autograd.gradgradcheck`).
public func gradgradcheck(
    _ f: ([Tensor]) -> Tensor, inputs: [Tensor],
    eps: Double = 1e-6, atol: Double = 1e-5, rtol: Double = 1e-3
) throws {
    let probe = withNoGrad { f(inputs) }
    let v = Tensor.randn(probe.shape, dtype: probe.dtype, generator: Generator(seed: 1234))
    let differentiable = inputs.filter(\.requiresGrad)
    // g(x) = sum_i <d f / d x_i . v, w_i>, a scalar whose gradient needs second derivatives
    let weights = differentiable.enumerated().map { Tensor.randn($0.element.shape, dtype: $0.element.dtype, generator: Generator(seed: UInt64(99 + $0.offset))) }
    let g: ([Tensor]) -> Tensor = { xs in
        let y = f(xs)
        let needing = xs.filter(\.requiresGrad)
        let grads = grad(outputs: [y], inputs: needing, gradOutputs: [v], createGraph: true, allowUnused: true)
        var total = Tensor.zeros([], dtype: y.dtype)
        for (gi, w) in zip(grads, weights) {
            if let gi { total = total + (gi * w).sum() }
        }
        return total
    }
    try gradcheck(g, inputs: inputs, eps: eps, atol: atol, rtol: rtol)
}

private func numericalJacobians(_ f: ([Tensor]) -> Tensor, _ inputs: [Tensor], eps: Double) -> [[[Double]]] {
    inputs.map { x -> [[Double]] in
        guard x.requiresGrad else { return [] }
        let flat = withNoGrad { x.detach().reshape([-1]) }
        var columns: [[Double]] = []
        for j in 0..<x.numel {
            let element = flat[j]
            let orig = element.item().doubleValue
            withNoGrad { _ = element.fill_(.double(orig + eps)) }
            let plus = f(inputs).detach().to(.float64).reshape([-1]).toArray(Double.self)
            withNoGrad { _ = element.fill_(.double(orig - eps)) }
            let minus = f(inputs).detach().to(.float64).reshape([-1]).toArray(Double.self)
            withNoGrad { _ = element.fill_(.double(orig)) }
            columns.append(zip(plus, minus).map { ($0 - $1) / (2 * eps) })
        }
        return columns
    }
}

private func analyticalJacobians(_ f: ([Tensor]) -> Tensor, _ inputs: [Tensor], createGraph: Bool) throws -> [[[Double]]] {
    let y = f(inputs)
    let needing = inputs.filter(\.requiresGrad)
    var result = inputs.map { x in x.requiresGrad ? [[Double]](repeating: [Double](repeating: 0, count: y.numel), count: x.numel) : [] }
    if !y.requiresGrad { return result }
    for i in 0..<y.numel {
        let seed = Tensor.zeros([y.numel], dtype: y.dtype)
        seed[i].fill_(1)
        let grads = try withErrorCapture {
            grad(outputs: [y], inputs: needing, gradOutputs: [seed.reshape(y.shape)], retainGraph: true, allowUnused: true)
        }
        var k = 0
        for (n, x) in inputs.enumerated() where x.requiresGrad {
            if let g = grads[k] {
                let values = g.to(.float64).reshape([-1]).toArray(Double.self)
                for j in 0..<x.numel { result[n][j][i] = values[j] }
            }
            k += 1
        }
    }
    return result
}

private func compareJacobians(_ numeric: [[[Double]]], _ analytic: [[[Double]]], _ inputs: [Tensor],
                              atol: Double, rtol: Double, what: String) throws {
    for (n, x) in inputs.enumerated() where x.requiresGrad {
        for j in 0..<numeric[n].count {
            for i in 0..<numeric[n][j].count {
                let a = analytic[n][j][i], e = numeric[n][j][i]
                if !(Swift.abs(a - e) <= atol + rtol * Swift.abs(e)) {
                    throw GradcheckFailure(description: "Jacobian mismatch for output \(i) with respect to input \(n), element \(j): numerical \(e) vs analytical \(a) (\(what))")
                }
            }
        }
    }
}
