import TorchCore

/// Shared initialisation of convolution weights and biases (PyTorch's `reset_parameters`).
func convParameters(_ shape: [Int], fanIn: Int, bias: Bool) -> (Tensor, Tensor?) {
    let w = Init.kaimingUniform_(Tensor.empty(shape), a: 5.0.squareRoot())
    guard bias else { return (w, nil) }
    let bound = fanIn > 0 ? 1 / Double(fanIn).squareRoot() : 0
    return (w, Init.uniform_(Tensor.empty([shape[0]]), a: -bound, b: bound))
}

/// 2-d convolution (`nn.Conv2d`).
public final class Conv2d: Module {
    @Parameter public var weight: Tensor
    @Parameter public var bias: Tensor?
    public let inChannels: Int, outChannels: Int, kernelSize: [Int], stride: [Int], padding: ConvPadding, dilation: [Int], groups: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: [Int], stride: [Int] = [1], padding: ConvPadding = .explicit([0]),
                dilation: [Int] = [1], groups: Int = 1, bias: Bool = true) {
        let k = expand(kernelSize, 2)
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = k
        self.stride = expand(stride, 2)
        self.padding = padding
        self.dilation = expand(dilation, 2)
        self.groups = groups
        torchCheck(inChannels % groups == 0, "in_channels must be divisible by groups")
        torchCheck(outChannels % groups == 0, "out_channels must be divisible by groups")
        let (w, b) = convParameters([outChannels, inChannels / max(groups, 1), k[0], k[1]], fanIn: inChannels / max(groups, 1) * k[0] * k[1], bias: bias)
        weight = w
        self.bias = b
        super.init()
    }

    public convenience init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                            dilation: Int = 1, groups: Int = 1, bias: Bool = true) {
        self.init(inChannels, outChannels, kernelSize: [kernelSize], stride: [stride], padding: .explicit([padding]),
                  dilation: [dilation], groups: groups, bias: bias)
    }

    public override func forward(_ x: Tensor) -> Tensor {
        F.conv2d(x, weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }

    public override var extraDescription: String {
        "\(inChannels), \(outChannels), kernel_size=(\(kernelSize[0]), \(kernelSize[1])), stride=(\(stride[0]), \(stride[1]))"
    }
}

/// 1-d convolution (`nn.Conv1d`).
public final class Conv1d: Module {
    @Parameter public var weight: Tensor
    @Parameter public var bias: Tensor?
    public let stride: Int, padding: ConvPadding, dilation: Int, groups: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: ConvPadding = .explicit([0]),
                dilation: Int = 1, groups: Int = 1, bias: Bool = true) {
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        let (w, b) = convParameters([outChannels, inChannels / max(groups, 1), kernelSize], fanIn: inChannels / max(groups, 1) * kernelSize, bias: bias)
        weight = w
        self.bias = b
        super.init()
    }

    public override func forward(_ x: Tensor) -> Tensor {
        F.conv1d(x, weight, bias: bias, stride: [stride], padding: padding, dilation: [dilation], groups: groups)
    }
}

/// Transposed 2-d convolution (`nn.ConvTranspose2d`); weight [in, out/groups, kh, kw].
public final class ConvTranspose2d: Module {
    @Parameter public var weight: Tensor
    @Parameter public var bias: Tensor?
    public let stride: [Int], padding: [Int], outputPadding: [Int], groups: Int, dilation: [Int]

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: [Int], stride: [Int] = [1], padding: [Int] = [0],
                outputPadding: [Int] = [0], groups: Int = 1, bias: Bool = true, dilation: [Int] = [1]) {
        let k = expand(kernelSize, 2)
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
        self.groups = groups
        self.dilation = dilation
        // PyTorch computes fan_in from weight.size(1) * receptive field for transposed convs
        let (w, b) = convParameters([inChannels, outChannels / max(groups, 1), k[0], k[1]], fanIn: outChannels / max(groups, 1) * k[0] * k[1], bias: false)
        weight = w
        if bias {
            let fanIn = outChannels / max(groups, 1) * k[0] * k[1]
            let bound = 1 / Double(fanIn).squareRoot()
            self.bias = Init.uniform_(Tensor.empty([outChannels]), a: -bound, b: bound)
        } else {
            self.bias = b
        }
        super.init()
    }

    public override func forward(_ x: Tensor) -> Tensor {
        F.convTranspose2d(x, weight, bias: bias, stride: stride, padding: padding, outputPadding: outputPadding, groups: groups, dilation: dilation)
    }
}
