import TorchCore

/// An image transform on a [C, H, W] float tensor (`torchvision.transforms`).
public protocol Transform {
    func callAsFunction(_ image: Tensor) -> Tensor
}

/// Applies transforms in order (`Compose`).
public struct Compose: Transform {
    public let transforms: [Transform]
    public init(_ transforms: [Transform]) { self.transforms = transforms }
    public func callAsFunction(_ image: Tensor) -> Tensor { transforms.reduce(image) { $1($0) } }
}

/// (x - mean[c]) / std[c] per channel (`Normalize`).
public struct Normalize: Transform {
    let mean: Tensor, std: Tensor
    public init(mean: [Double], std: [Double]) {
        self.mean = Tensor(mean.map { Float($0) }, shape: [mean.count, 1, 1])
        self.std = Tensor(std.map { Float($0) }, shape: [std.count, 1, 1])
    }
    public func callAsFunction(_ image: Tensor) -> Tensor { (image - mean.to(image.dtype)) / std.to(image.dtype) }
}

/// uint8 [H, W, C] (or [H, W]) pixels to float [C, H, W] in [0, 1] (`ToTensor`);
/// float input passes through.
public struct ToTensor: Transform {
    public init() {}
    public func callAsFunction(_ image: Tensor) -> Tensor {
        guard image.dtype == .uint8 else { return image }
        let chw = image.rank == 2 ? image.unsqueeze(0) : image.permute(2, 0, 1)
        return chw.to(.float32) / 255.0
    }
}

/// A random crop of `size` after zero padding (`RandomCrop(size, padding=p)`).
public struct RandomCrop: Transform {
    public let size: (Int, Int), padding: Int
    public init(size: Int, padding: Int = 0) {
        self.size = (size, size)
        self.padding = padding
    }
    public func callAsFunction(_ image: Tensor) -> Tensor {
        let r = image.rank
        var x = image
        if padding > 0 {
            let h = x.shape[r - 2], w = x.shape[r - 1]
            var shape = x.shape
            shape[r - 2] = h + 2 * padding
            shape[r - 1] = w + 2 * padding
            let padded = Tensor.zeros(shape, dtype: x.dtype)
            padded[.ellipsis, padding..<(padding + h), padding..<(padding + w)] = x
            x = padded
        }
        let h = x.shape[r - 2], w = x.shape[r - 1]
        let g = SampleRandom.generator
        let top = h == size.0 ? 0 : Int(Tensor.randint(low: 0, high: h - size.0 + 1, [], generator: g).item(Int64.self))
        let left = w == size.1 ? 0 : Int(Tensor.randint(low: 0, high: w - size.1 + 1, [], generator: g).item(Int64.self))
        return x[.ellipsis, top..<(top + size.0), left..<(left + size.1)].contiguous()
    }
}

/// Mirrors the image left-right with probability `p` (`RandomHorizontalFlip`).
public struct RandomHorizontalFlip: Transform {
    public let p: Double
    public init(p: Double = 0.5) { self.p = p }
    public func callAsFunction(_ image: Tensor) -> Tensor {
        Tensor.rand([], dtype: .float64, generator: SampleRandom.generator).item(Double.self) < p ? image.flip([-1]) : image
    }
}

/// A transform from a closure (`Lambda`).
public struct Lambda: Transform {
    let fn: (Tensor) -> Tensor
    public init(_ fn: @escaping (Tensor) -> Tensor) { self.fn = fn }
    public func callAsFunction(_ image: Tensor) -> Tensor { fn(image) }
}
