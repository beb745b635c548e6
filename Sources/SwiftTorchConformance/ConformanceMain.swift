import Torch
@main struct Conformance { static func main() { print(Tensor([1.0, 2.0])) } }
