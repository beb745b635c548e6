import Torch

/// The digits CNN: conv 1->16 3x3, ReLU, conv 16->32 3x3, ReLU, max-pool 2, flatten,
/// linear ->64, ReLU, linear 64->classes (input C x H x W, H and W even).
func digitsCNN(channels: Int, height: Int, width: Int, classes: Int) -> Sequential {
    Sequential(
        Conv2d(channels, 16, kernelSize: 3, padding: 1), ReLU(),
        Conv2d(16, 32, kernelSize: 3, padding: 1), ReLU(),
        MaxPool2d(2), Flatten(),
        Linear(32 * (height / 2) * (width / 2), 64), ReLU(),
        Linear(64, classes)
    )
}

/// A two-hidden-layer perceptron on flattened images.
func mlpNet(inputs: Int, classes: Int) -> Sequential {
    Sequential(Flatten(), Linear(inputs, 256), ReLU(), Linear(256, 256), ReLU(), Linear(256, classes))
}

/// A deeper CNN with batch norm for 32x32 colour images.
func convNet(channels: Int, height: Int, width: Int, classes: Int) -> Sequential {
    Sequential(
        Conv2d(channels, 32, kernelSize: 3, padding: 1), BatchNorm2d(32), ReLU(), MaxPool2d(2),
        Conv2d(32, 64, kernelSize: 3, padding: 1), BatchNorm2d(64), ReLU(), MaxPool2d(2),
        Conv2d(64, 128, kernelSize: 3, padding: 1), BatchNorm2d(128), ReLU(), AdaptiveAvgPool2d(1),
        Flatten(), Linear(128, classes)
    )
}

enum ModelKind: String, CaseIterable {
    case cnn, mlp, convnet

    func make(channels: Int, height: Int, width: Int, classes: Int) -> Module {
        switch self {
        case .cnn: return digitsCNN(channels: channels, height: height, width: width, classes: classes)
        case .mlp: return mlpNet(inputs: channels * height * width, classes: classes)
        case .convnet: return convNet(channels: channels, height: height, width: width, classes: classes)
        }
    }
}

enum OptimizerKind: String, CaseIterable {
    case adam, adamw, sgd, rmsprop, adagrad

    func make(_ params: [Tensor], lr: Double) -> Optimizer {
        switch self {
        case .adam: return Adam(params, lr: lr)
        case .adamw: return AdamW(params, lr: lr)
        case .sgd: return SGD(params, lr: lr, momentum: 0.9)
        case .rmsprop: return RMSprop(params, lr: lr)
        case .adagrad: return Adagrad(params, lr: lr)
        }
    }
}

enum DatasetKind: String, CaseIterable {
    case digits, mnist
    case fashionMNIST = "fashion-mnist"
    case cifar10

    func load(train: Bool, dataDir: String?) throws -> ImageClassificationDataset {
        switch self {
        case .digits: return try Digits(root: dataDir, train: train)
        case .mnist, .fashionMNIST:
            guard let dataDir else { throw TorchIOError("--data-dir is required for \(rawValue)") }
            return try MNIST(root: dataDir, train: train)
        case .cifar10:
            guard let dataDir else { throw TorchIOError("--data-dir is required for cifar10") }
            let augment: Transform? = train ? Compose([RandomCrop(size: 32, padding: 4), RandomHorizontalFlip()]) : nil
            return try CIFAR10(root: dataDir, train: train, transform: augment)
        }
    }
}
