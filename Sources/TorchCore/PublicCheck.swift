/// Reports a tensor error from code outside TorchCore when `condition` is false:
/// it stops the program with `message`, or inside `withErrorCapture` records it as
/// the scope's error (later ops then return empty placeholders).
public func torchCheck(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { raise(TorchError(message())) }
}
