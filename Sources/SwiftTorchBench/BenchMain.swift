import Torch
@main struct Bench { static func main() { print(Tensor([1.0, 2.0])) } }
