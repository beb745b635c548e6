#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// State that PyTorch keeps per thread: grad mode, the error boundary, anomaly mode,
/// autocast.
final class ThreadState {
    var gradEnabled = true
    var anomalyDetection = false
    /// The CPU autocast dtype while autocast is on.
    var autocastDType: DType? = nil
    let errors = ErrorScope()

    nonisolated(unsafe) private static var key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in
            Unmanaged<ThreadState>.fromOpaque(pointer!).release()
        }
        return key
    }()

    static var current: ThreadState {
        @inline(__always) get {
            if let p = pthread_getspecific(key) {
                return Unmanaged<ThreadState>.fromOpaque(p).takeUnretainedValue()
            }
            let state = ThreadState()
            pthread_setspecific(key, Unmanaged.passRetained(state).toOpaque())
            return state
        }
    }
}
