#if canImport(Glibc)
import Glibc
#endif

/// An error raised by a tensor operation: invalid arguments, shapes or dtypes.
/// By default it stops the program with its message; inside `withErrorCapture`
/// it is thrown instead.
public struct TorchError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Errors of reading files and user data (always thrown).
public struct TorchIOError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Per-thread state of the error boundary.
final class ErrorScope {
    var depth = 0
    var firstError: TorchError?
}

/// Runs `body`; the first tensor error inside it is thrown as a `TorchError`
/// instead of stopping the program. Tensors produced after that error are empty
/// placeholders, and operations on them do nothing.
public func withErrorCapture<R>(_ body: () throws -> R) throws -> R {
    let scope = ThreadState.current.errors
    scope.depth += 1
    let saved = scope.firstError
    scope.firstError = nil
    defer {
        scope.depth -= 1
        scope.firstError = saved
    }
    let result = try body()
    if let error = scope.firstError { throw error }
    return result
}

/// True when an error inside a capture scope has poisoned this thread.
@inline(__always)
var errorPending: Bool {
    let scope = ThreadState.current.errors
    return scope.depth > 0 && scope.firstError != nil
}

/// Reports an op error: throws into the capture scope, or stops the program.
func raise(_ error: TorchError) {
    let scope = ThreadState.current.errors
    if scope.depth > 0 {
        if scope.firstError == nil { scope.firstError = error }
        return
    }
    fatalError(error.message)
}

/// Values returned by the public API when an error was captured.
protocol Placeholder { static var placeholder: Self { get } }
extension Tensor: Placeholder { static var placeholder: Tensor { Tensor.emptyPlaceholder() } }
extension Array: Placeholder { static var placeholder: [Element] { [] } }
extension Int: Placeholder { static var placeholder: Int { 0 } }
extension Double: Placeholder { static var placeholder: Double { 0 } }
extension Float: Placeholder { static var placeholder: Float { 0 } }
extension Bool: Placeholder { static var placeholder: Bool { false } }
extension Scalar: Placeholder { static var placeholder: Scalar { .int(0) } }
extension Optional: Placeholder { static var placeholder: Wrapped? { nil } }
extension String: Placeholder { static var placeholder: String { "" } }

/// The error boundary of the public API: runs an internal throwing body and turns
/// a failure into a trap or a captured error.
@inline(__always)
func run<R: Placeholder>(_ body: () throws(TorchError) -> R) -> R {
    if errorPending { return R.placeholder }
    do { return try body() } catch { raise(error); return R.placeholder }
}

@inline(__always)
func run(_ body: () throws(TorchError) -> Void) {
    if errorPending { return }
    do { try body() } catch { raise(error) }
}

@inline(__always)
func run(_ body: () throws(TorchError) -> (Tensor, Tensor)) -> (Tensor, Tensor) {
    if errorPending { return (.placeholder, .placeholder) }
    do { return try body() } catch { raise(error); return (.placeholder, .placeholder) }
}

@inline(__always)
func run(_ body: () throws(TorchError) -> (Tensor, Tensor, Tensor)) -> (Tensor, Tensor, Tensor) {
    if errorPending { return (.placeholder, .placeholder, .placeholder) }
    do { return try body() } catch { raise(error); return (.placeholder, .placeholder, .placeholder) }
}

/// Throws a TorchError when `condition` is false.
@inline(__always)
func check(_ condition: Bool, _ message: @autoclosure () -> String) throws(TorchError) {
    if !condition { throw TorchError(message()) }
}
