import TorchCore

extension Functional {
    /// Resamples the spatial dims of an [N, C, d1, ..., dk] input (k = 1, 2, 3)
    /// (`interpolate`). Give either `size` or `scaleFactor` (one value applies to every
    /// spatial dim). Modes: "nearest" (source index floor(dst * in / out)),
    /// "nearest-exact", and "linear" / "bilinear" / "trilinear" for 3-, 4- and 5-d
    /// inputs, with PyTorch's source-index formula for `alignCorners`.
    public static func interpolate(_ input: Tensor, size: [Int]? = nil, scaleFactor: [Double]? = nil,
                                   mode: String = "nearest", alignCorners: Bool? = nil,
                                   recomputeScaleFactor: Bool? = nil) -> Tensor {
        let linearModes = ["linear": 3, "bilinear": 4, "trilinear": 5]
        let knownModes = ["nearest", "nearest-exact"] + linearModes.keys
        if alignCorners != nil {
            guard require(linearModes[mode] != nil || mode == "bicubic",
                          "align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear")
            else { return placeholder }
        }
        let spatial = Swift.max(input.rank - 2, 0)
        let spatialShape = Array(input.shape.dropFirst(2))
        guard require(size == nil || scaleFactor == nil, "only one of size or scale_factor should be defined") else { return placeholder }
        guard require(size != nil || scaleFactor != nil, "either size or scale_factor should be defined") else { return placeholder }
        var outSize: [Int]
        var scales: [Double?] = [Double?](repeating: nil, count: spatial)
        if let size {
            let s = size.count == 1 && spatial != 1 ? [Int](repeating: size[0], count: spatial) : size
            guard require(s.count == spatial,
                          "Input and output must have the same number of spatial dimensions, but got input with spatial dimensions of \(shapeText(spatialShape)) and output size of \(shapeText(size)). Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.")
            else { return placeholder }
            outSize = s
        } else {
            let f = scaleFactor!
            let s = f.count == 1 && spatial != 1 ? [Double](repeating: f[0], count: spatial) : f
            guard require(s.count == spatial,
                          "Input and scale_factor must have the same number of spatial dimensions, but got input with spatial dimensions of \(shapeText(spatialShape)) and scale_factor of shape \("[" + f.map { pyNumber($0) }.joined(separator: ", ") + "]"). Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.")
            else { return placeholder }
            outSize = zip(spatialShape, s).map { Int((Double($0) * $1).rounded(.down)) }
            if recomputeScaleFactor != true { scales = s.map { Optional($0) } }
        }
        guard require(input.rank >= 3 && input.rank <= 5 && knownModes.contains(mode),
                      "Input Error: Only 3D, 4D and 5D input Tensors supported (got \(input.rank)D) for the modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact (got \(mode))")
        else { return placeholder }
        if let needed = linearModes[mode] {
            guard require(input.rank == needed, "Got \(input.rank)D input, but \(mode) mode needs \(needed)D input") else { return placeholder }
        }
        let names = ["D", "H", "W"].suffix(spatial)
        let inText = zip(names, spatialShape).map { "\($0): \($1)" }.joined(separator: ", ")
        let outText = zip(names, outSize).map { "\($0): \($1)" }.joined(separator: ", ")
        guard require(spatialShape.allSatisfy { $0 > 0 } && outSize.allSatisfy { $0 > 0 },
                      "Input and output sizes should be greater than 0, but got input (\(inText)) output (\(outText))")
        else { return placeholder }

        var out = input
        let useDouble = input.dtype == .float64
        for k in 0..<spatial {
            let d = 2 + k, inSize = spatialShape[k], o = outSize[k]
            if mode == "nearest" || mode == "nearest-exact" {
                let exact = mode == "nearest-exact"
                let idx = (0..<o).map { Int64(nearestSource($0, inSize: inSize, outSize: o, scale: scales[k], exact: exact)) }
                out = out.indexSelect(d, Tensor(idx, shape: [o]))
            } else {
                var i0: [Int64] = [], i1: [Int64] = [], w0: [Scalar] = [], w1: [Scalar] = []
                for j in 0..<o {
                    let (a, b, l) = linearSource(j, inSize: inSize, outSize: o, scale: scales[k],
                                                 alignCorners: alignCorners ?? false, double: useDouble)
                    i0.append(Int64(a)); i1.append(Int64(b)); w0.append(.double(1 - l)); w1.append(.double(l))
                }
                var wShape = [Int](repeating: 1, count: input.rank)
                wShape[d] = o
                let lo = out.indexSelect(d, Tensor(i0, shape: [o])), hi = out.indexSelect(d, Tensor(i1, shape: [o]))
                let wLo = Tensor.fromScalars(w0, shape: wShape, dtype: input.dtype)
                let wHi = Tensor.fromScalars(w1, shape: wShape, dtype: input.dtype)
                out = lo * wLo + hi * wHi
            }
        }
        return out
    }

    /// A number as Python prints a list item: `2` for an int-valued float given as int, else repr.
    private static func pyNumber(_ d: Double) -> String {
        d == d.rounded() && Swift.abs(d) < 1e16 ? "\(Int64(d))" : "\(d)"
    }

    /// PyTorch's `compute_scales_value`: 1 / scale when a scale was given, else in / out.
    private static func scaleValue(_ scale: Double?, inSize: Int, outSize: Int) -> Double {
        if let scale, scale > 0 { return 1 / scale }
        return Double(inSize) / Double(outSize)
    }

    /// `compute_scales_value<float>`, as the float kernels compute it.
    private static func scaleValueFloat(_ scale: Double?, inSize: Int, outSize: Int) -> Float {
        if let scale, scale > 0 { return Float(1 / scale) }
        return Float(inSize) / Float(outSize)
    }

    /// PyTorch's nearest source index, computed in float like its CPU kernel.
    private static func nearestSource(_ dst: Int, inSize: Int, outSize: Int, scale: Double?, exact: Bool) -> Int {
        if !exact {
            if outSize == inSize { return dst }
            if outSize == 2 * inSize { return dst >> 1 }
        }
        let s = scaleValueFloat(scale, inSize: inSize, outSize: outSize)
        let src = exact ? ((Float(dst) + 0.5) * s).rounded(.down) : (Float(dst) * s).rounded(.down)
        return Swift.min(Int(src), inSize - 1)
    }

    /// PyTorch's linear source indices and weight of the upper neighbour
    /// (`area_pixel_compute_source_index` + `guard_index_and_lambda`), in the
    /// kernel's precision (float, or double for float64 inputs).
    private static func linearSource(_ dst: Int, inSize: Int, outSize: Int, scale: Double?, alignCorners: Bool,
                                     double: Bool) -> (Int, Int, Double) {
        let real: Double
        if double {
            let s: Double = alignCorners ? (outSize > 1 ? Double(inSize - 1) / Double(outSize - 1) : 0)
                : scaleValue(scale, inSize: inSize, outSize: outSize)
            if alignCorners {
                real = s * Double(dst)
            } else {
                let r = s * (Double(dst) + 0.5) - 0.5
                real = r < 0 ? 0 : r
            }
        } else {
            let s: Float = alignCorners ? (outSize > 1 ? Float(inSize - 1) / Float(outSize - 1) : 0)
                : scaleValueFloat(scale, inSize: inSize, outSize: outSize)
            if alignCorners {
                real = Double(s * Float(dst))
            } else {
                let r = s * (Float(dst) + 0.5) - 0.5
                real = Double(r < 0 ? 0 : r)
            }
        }
        let i0 = Swift.min(Int(real.rounded(.down)), inSize - 1)
        let lambda = Swift.min(Swift.max(real - Double(i0), 0), 1)
        let i1 = i0 + (i0 < inSize - 1 ? 1 : 0)
        return (i0, i1, lambda)
    }
}
