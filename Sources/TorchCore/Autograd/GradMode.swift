/// Whether operations record the autograd graph on this thread.
public enum GradMode {
    public static var isEnabled: Bool {
        @inline(__always) get { ThreadState.current.gradEnabled }
        set { ThreadState.current.gradEnabled = newValue }
    }
}

/// Runs `body` without recording gradients (`torch.no_grad()`).
@discardableResult
public func withNoGrad<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
    try withGradMode(false, body)
}

/// Runs `body` with gradient recording on (`torch.enable_grad()`).
@discardableResult
public func withEnableGrad<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
    try withGradMode(true, body)
}

/// Runs `body` with grad mode set to `enabled` (`torch.set_grad_enabled`).
@discardableResult
public func withGradMode<R, E: Error>(_ enabled: Bool, _ body: () throws(E) -> R) throws(E) -> R {
    let state = ThreadState.current
    let saved = state.gradEnabled
    state.gradEnabled = enabled
    defer { state.gradEnabled = saved }
    return try body()
}

/// Anomaly detection (`torch.autograd.set_detect_anomaly`): backward checks every
/// node's results for NaN and names the forward op whose backward produced them.
public enum AnomalyMode {
    public static var isEnabled: Bool {
        get { ThreadState.current.anomalyDetection }
        set { ThreadState.current.anomalyDetection = newValue }
    }
}

@discardableResult
public func withDetectAnomaly<R>(_ body: () throws -> R) rethrows -> R {
    let state = ThreadState.current
    let saved = state.anomalyDetection
    state.anomalyDetection = true
    defer { state.anomalyDetection = saved }
    return try body()
}
