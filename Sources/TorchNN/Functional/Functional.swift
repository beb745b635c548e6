import TorchCore

/// PyTorch's `torch.nn.functional`: stateless layers, activations and losses.
/// Spelled `F.relu(x)`, `F.crossEntropy(logits, target)` after `typealias F = Functional`.
public enum Functional {}

public typealias F = Functional
