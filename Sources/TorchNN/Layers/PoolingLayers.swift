import TorchCore

/// `nn.MaxPool2d`.
public final class MaxPool2d: Module {
    public let kernelSize: [Int], stride: [Int]?, padding: [Int], dilation: [Int], ceilMode: Bool
    public init(kernelSize: [Int], stride: [Int]? = nil, padding: [Int] = [0], dilation: [Int] = [1], ceilMode: Bool = false) {
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.ceilMode = ceilMode
        super.init()
    }
    public convenience init(_ kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        self.init(kernelSize: [kernelSize], stride: stride.map { [$0] }, padding: [padding])
    }
    public override func forward(_ x: Tensor) -> Tensor {
        F.maxPool2d(x, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }
    public override var extraDescription: String { "kernel_size=\(kernelSize), stride=\(stride ?? kernelSize), padding=\(padding)" }
}

/// `nn.MaxPool1d`.
public final class MaxPool1d: Module {
    public let kernelSize: Int, stride: Int?, padding: Int, dilation: Int, ceilMode: Bool
    public init(_ kernelSize: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1, ceilMode: Bool = false) {
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.ceilMode = ceilMode
        super.init()
    }
    public override func forward(_ x: Tensor) -> Tensor {
        F.maxPool1d(x, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }
}

/// `nn.AvgPool2d`.
public final class AvgPool2d: Module {
    public let kernelSize: [Int], stride: [Int]?, padding: [Int], ceilMode: Bool, countIncludePad: Bool, divisorOverride: Int?
    public init(kernelSize: [Int], stride: [Int]? = nil, padding: [Int] = [0], ceilMode: Bool = false,
                countIncludePad: Bool = true, divisorOverride: Int? = nil) {
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.ceilMode = ceilMode
        self.countIncludePad = countIncludePad
        self.divisorOverride = divisorOverride
        super.init()
    }
    public convenience init(_ kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        self.init(kernelSize: [kernelSize], stride: stride.map { [$0] }, padding: [padding])
    }
    public override func forward(_ x: Tensor) -> Tensor {
        F.avgPool2d(x, kernelSize: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode,
                    countIncludePad: countIncludePad, divisorOverride: divisorOverride)
    }
}

/// `nn.AvgPool1d`.
public final class AvgPool1d: Module {
    public let kernelSize: Int, stride: Int?, padding: Int, ceilMode: Bool, countIncludePad: Bool
    public init(_ kernelSize: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false, countIncludePad: Bool = true) {
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.ceilMode = ceilMode
        self.countIncludePad = countIncludePad
        super.init()
    }
    public override func forward(_ x: Tensor) -> Tensor {
        F.avgPool1d(x, kernelSize: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode, countIncludePad: countIncludePad)
    }
}

/// `nn.AdaptiveAvgPool2d`.
public final class AdaptiveAvgPool2d: Module {
    public let outputSize: [Int?]
    public init(_ outputSize: [Int?]) {
        self.outputSize = outputSize
        super.init()
    }
    public convenience init(_ size: Int) { self.init([size, size]) }
    public override func forward(_ x: Tensor) -> Tensor { F.adaptiveAvgPool2d(x, outputSize: outputSize) }
}

/// `nn.AdaptiveAvgPool1d`.
public final class AdaptiveAvgPool1d: Module {
    public let outputSize: Int
    public init(_ outputSize: Int) {
        self.outputSize = outputSize
        super.init()
    }
    public override func forward(_ x: Tensor) -> Tensor { F.adaptiveAvgPool1d(x, outputSize: outputSize) }
}

/// `nn.AdaptiveMaxPool2d`.
public final class AdaptiveMaxPool2d: Module {
    public let outputSize: [Int?]
    public init(_ outputSize: [Int?]) {
        self.outputSize = outputSize
        super.init()
    }
    public convenience init(_ size: Int) { self.init([size, size]) }
    public override func forward(_ x: Tensor) -> Tensor { F.adaptiveMaxPool2d(x, outputSize: outputSize) }
}
