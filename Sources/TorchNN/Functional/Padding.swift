import TorchCore

extension Functional {
    /// Pads the trailing dims of `input` (`pad`): `pad` lists (left, right) pairs
    /// starting from the last dim. `mode` is "constant" (with `value`, default 0;
    /// negative pads crop), "reflect", "replicate" or "circular".
    public static func pad(_ input: Tensor, pad: [Int], mode: String = "constant", value: Double? = nil) -> Tensor {
        guard require(pad.count % 2 == 0, "Padding length must be divisible by 2") else { return placeholder }
        let pairs = pad.count / 2
        guard require(pairs <= input.rank,
                      "Padding length should be less than or equal to two times the input dimension but got padding length \(pad.count) and input of dimension \(input.rank)")
        else { return placeholder }
        switch mode {
        case "constant":
            return constantPad(input, pad, value: value ?? 0)
        case "reflect", "replicate", "circular":
            // autocast runs reflection (1-d, 2-d) and replication padding in float32
            let input = mode == "replicate" || (mode == "reflect" && pairs <= 2) ? Autocast.float32(input) : input
            guard require(value == nil || value == 0, "Padding mode \"\(mode)\" doesn't take in value argument") else { return placeholder }
            let supported = (pairs == 1 && (input.rank == 2 || input.rank == 3)) || (pairs == 2 && (input.rank == 3 || input.rank == 4))
                || (pairs == 3 && (input.rank == 4 || input.rank == 5))
            guard require(supported, """
                Padding size \(pad.count) is not supported for \(input.rank)D input tensor.
                Supported combinations for non-constant padding:
                  - 2D or 3D input: padding size = 2 (pads last dimension)
                  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)
                  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)
                """)
            else { return placeholder }
            var out = input
            for k in 0..<pairs {
                let d = input.rank - 1 - k
                let left = pad[2 * k], right = pad[2 * k + 1], n = input.shape[d]
                switch mode {
                case "reflect":
                    guard require(left < n && right < n && left >= 0 && right >= 0,
                                  "Argument #\(4 + 2 * k): Padding size should be less than the corresponding input dimension, but got: padding (\(left), \(right)) at dimension \(d) of input \(shapeText(input.shape))")
                    else { return placeholder }
                    var parts: [Tensor] = []
                    if left > 0 { parts.append(out.narrow(d, start: 1, length: left).flip([d])) }
                    parts.append(out)
                    if right > 0 { parts.append(out.narrow(d, start: n - 1 - right, length: right).flip([d])) }
                    out = parts.count == 1 ? out : Tensor.cat(parts, dim: d)
                case "replicate":
                    guard require(left >= 0 && right >= 0 && n > 0, "padding size is expected to be non-negative for replicate padding") else { return placeholder }
                    var parts: [Tensor] = []
                    if left > 0 { parts.append(out.narrow(d, start: 0, length: 1).expand(sized(out.shape, d, left))) }
                    parts.append(out)
                    if right > 0 { parts.append(out.narrow(d, start: n - 1, length: 1).expand(sized(out.shape, d, right))) }
                    out = parts.count == 1 ? out : Tensor.cat(parts, dim: d)
                default:  // circular
                    guard require(left <= n && right <= n, "Padding value causes wrapping around more than once.") else { return placeholder }
                    guard require(left >= 0 && right >= 0, "Negative padding is not supported for circular padding") else { return placeholder }
                    var parts: [Tensor] = []
                    if left > 0 { parts.append(out.narrow(d, start: n - left, length: left)) }
                    parts.append(out)
                    if right > 0 { parts.append(out.narrow(d, start: 0, length: right)) }
                    out = parts.count == 1 ? out : Tensor.cat(parts, dim: d)
                }
            }
            return out === input ? input.clone() : out
        default:
            torchCheck(false, "Unrecognised padding mode \(mode)")
            return placeholder
        }
    }

    private static func sized(_ shape: [Int], _ d: Int, _ n: Int) -> [Int] {
        var s = shape
        s[d] = n
        return s
    }

    /// Constant padding: negative amounts crop, positive ones add `value`.
    private static func constantPad(_ input: Tensor, _ pad: [Int], value: Double) -> Tensor {
        var out = input
        for k in 0..<(pad.count / 2) {
            let d = input.rank - 1 - k
            var left = pad[2 * k], right = pad[2 * k + 1]
            let n = out.shape[d]
            // crop first
            let start = Swift.max(-left, 0), end = n - Swift.max(-right, 0)
            guard require(end - start >= 0, "narrow(): length must be non-negative.") else { return placeholder }
            if start > 0 || end < n { out = out.narrow(d, start: start, length: end - start) }
            left = Swift.max(left, 0)
            right = Swift.max(right, 0)
            if left == 0 && right == 0 { continue }
            var parts: [Tensor] = []
            let fill: Scalar = input.isFloatingPoint ? .double(value) : .int(Int64(value))
            if left > 0 { parts.append(Tensor.full(sized(out.shape, d, left), fill, dtype: input.dtype, device: input.device)) }
            parts.append(out)
            if right > 0 { parts.append(Tensor.full(sized(out.shape, d, right), fill, dtype: input.dtype, device: input.device)) }
            out = Tensor.cat(parts, dim: d)
        }
        return out === input ? input.clone() : out
    }

    /// Rearranges [*, C * r^2, H, W] into [*, C, H * r, W * r] (`pixel_shuffle`).
    public static func pixelShuffle(_ input: Tensor, upscaleFactor r: Int) -> Tensor {
        guard require(input.rank >= 3, "pixel_shuffle expects input to have at least 3 dimensions, but got input with \(input.rank) dimension(s)") else { return placeholder }
        guard require(r > 0, "pixel_shuffle expects a positive upscale_factor, but got \(r)") else { return placeholder }
        let rank = input.rank
        let c = input.shape[rank - 3], h = input.shape[rank - 2], w = input.shape[rank - 1]
        guard require(c % (r * r) == 0,
                      "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, but input.size(-3)=\(c) is not divisible by \(r * r)")
        else { return placeholder }
        let batch = Array(input.shape.prefix(rank - 3))
        let b = batch.count
        let x = input.reshape(batch + [c / (r * r), r, r, h, w])
        // [*, C, r1, r2, H, W] -> [*, C, H, r1, W, r2]
        let order = Array(0..<b) + [b, b + 3, b + 1, b + 4, b + 2]
        return x.permute(order).reshape(batch + [c / (r * r), h * r, w * r])
    }

    /// Rearranges [*, C, H * r, W * r] into [*, C * r^2, H, W] (`pixel_unshuffle`).
    public static func pixelUnshuffle(_ input: Tensor, downscaleFactor r: Int) -> Tensor {
        guard require(input.rank >= 3, "pixel_unshuffle expects input to have at least 3 dimensions, but got input with \(input.rank) dimension(s)") else { return placeholder }
        guard require(r > 0, "pixel_unshuffle expects a positive downscale_factor, but got \(r)") else { return placeholder }
        let rank = input.rank
        let c = input.shape[rank - 3], h = input.shape[rank - 2], w = input.shape[rank - 1]
        guard require(h % r == 0, "pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)=\(h) is not divisible by \(r)"),
              require(w % r == 0, "pixel_unshuffle expects width to be divisible by downscale_factor, but input.size(-1)=\(w) is not divisible by \(r)")
        else { return placeholder }
        let batch = Array(input.shape.prefix(rank - 3))
        let b = batch.count
        let x = input.reshape(batch + [c, h / r, r, w / r, r])
        // [*, C, H, r1, W, r2] -> [*, C, r1, r2, H, W]
        let order = Array(0..<b) + [b, b + 2, b + 4, b + 1, b + 3]
        return x.permute(order).reshape(batch + [c * r * r, h / r, w / r])
    }
}
