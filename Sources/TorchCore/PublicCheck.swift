/// Checks an argument outside TorchCore: when `condition` is false the error goes
/// to the same place as a core op's (a stop, or the capture scope's thrown error).
public func torchCheck(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { raise(TorchError(message())) }
}
