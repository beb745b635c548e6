import Torch

extension OpTable {
    /// `nn.functional.*` handlers.
    static func registerFunctional(_ h: inout [String: OpHandler]) {
    }
}
