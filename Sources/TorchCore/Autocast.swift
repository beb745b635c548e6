#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Automatic mixed precision (`torch.autocast`), per thread. While it is on, the ops
/// of PyTorch's CPU `lower_precision_fp` list (matrix products, linear, convolutions,
/// PReLU, scaled dot-product attention, the LSTM layer) run their floating-point
/// inputs in the autocast dtype, and those of its `fp32` list (losses, `prod`,
/// reflection/replication padding) in float32. float64 tensors are never cast. The
/// casts are ordinary ops, so gradients flow back to float32 parameters in float32.
public enum Autocast {
    /// Whether autocast is on for `device` on this thread (`torch.is_autocast_enabled`).
    public static func isEnabled(_ device: Device = .cpu) -> Bool {
        device == .cpu && ThreadState.current.autocastDType != nil
    }

    /// The dtype autocast runs lower-precision ops in (`torch.get_autocast_dtype`).
    public static func dtype(_ device: Device = .cpu) -> DType {
        ThreadState.current.autocastDType ?? .bfloat16
    }

    /// `t` as an input of a lower-precision op: in the autocast dtype when autocast is on
    /// and `t` is a CPU floating-point tensor other than float64.
    public static func lowerPrecision(_ t: Tensor) -> Tensor {
        guard let target = ThreadState.current.autocastDType, eligible(t), t.dtype != target else { return t }
        return t.to(target)
    }

    public static func lowerPrecision(_ t: Tensor?) -> Tensor? {
        t.map { lowerPrecision($0) }
    }

    /// `t` as an input of an op autocast runs in float32.
    public static func float32(_ t: Tensor) -> Tensor {
        guard ThreadState.current.autocastDType != nil, eligible(t), t.dtype != .float32 else { return t }
        return t.to(.float32)
    }

    static func eligible(_ t: Tensor) -> Bool {
        t.device == .cpu && t.dtype.isFloatingPoint && t.dtype != .float64
    }

    static let supportedCPUTypes: [DType] = [.bfloat16, .float16]
}

/// Runs `body` with autocast set as given (`with torch.autocast(device, dtype, enabled)`);
/// the previous setting comes back afterwards. Like PyTorch, an unsupported dtype or a
/// device without support prints a warning and runs `body` with autocast off.
@discardableResult
public func withAutocast<R, E: Error>(_ device: Device = .cpu, dtype: DType? = nil, enabled: Bool = true,
                                      _ body: () throws(E) -> R) throws(E) -> R {
    let state = ThreadState.current
    let saved = state.autocastDType
    defer { state.autocastDType = saved }
    var target: DType? = nil
    if enabled {
        let wanted = dtype ?? .bfloat16
        if device != .cpu {
            printWarning("User provided device_type of '\(device)', but autocast on it is not available here. Disabling")
        } else if !Autocast.supportedCPUTypes.contains(wanted) {
            printWarning("In CPU autocast, but the target dtype is not supported. Disabling autocast.\nCPU Autocast only supports dtype of torch.bfloat16, torch.float16 currently.")
        } else {
            target = wanted
        }
    }
    state.autocastDType = target
    return try body()
}

/// A `UserWarning` line on standard error, as Python prints PyTorch's warnings.
private func printWarning(_ message: String) {
    let line = "UserWarning: \(message)\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
}
