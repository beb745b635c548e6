#if canImport(Glibc)
import Glibc
#endif

/// The CUDA driver API, opened at run time with dlopen (`libcuda.so.1`), so the
/// package builds and every CPU feature works on machines without CUDA; asking for a
/// CUDA tensor there is a clear error naming what is missing.
public enum CUDA {
    private struct Probe {
        var deviceCount = 0
        var reason: String?
    }

    private static let probe: Probe = {
        guard let handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL) ?? dlopen("libcuda.so", RTLD_NOW | RTLD_LOCAL) else {
            let detail = dlerror().map { String(cString: $0) } ?? "not found"
            return Probe(reason: "Found no NVIDIA driver on your system: the CUDA driver library libcuda.so.1 could not be loaded (\(detail))")
        }
        typealias InitFn = @convention(c) (UInt32) -> Int32
        typealias CountFn = @convention(c) (UnsafeMutablePointer<Int32>) -> Int32
        guard let initSym = dlsym(handle, "cuInit"), let countSym = dlsym(handle, "cuDeviceGetCount") else {
            return Probe(reason: "libcuda.so.1 was loaded but does not export cuInit / cuDeviceGetCount")
        }
        let status = unsafeBitCast(initSym, to: InitFn.self)(0)
        guard status == 0 else {
            return Probe(reason: "the NVIDIA driver failed to initialise (cuInit returned CUDA error \(status)\(status == 100 ? ": no CUDA-capable device is detected" : ""))")
        }
        var count: Int32 = 0
        let countStatus = unsafeBitCast(countSym, to: CountFn.self)(&count)
        guard countStatus == 0, count > 0 else {
            return Probe(reason: "the NVIDIA driver reports no CUDA devices (cuDeviceGetCount returned \(countStatus), count \(count))")
        }
        return Probe(deviceCount: Int(count), reason: nil)
    }()

    /// Whether a CUDA device and a backend to run it exist (`torch.cuda.is_available()`).
    public static var isAvailable: Bool { probe.reason == nil && DeviceRegistry.factories["cuda"] != nil }

    /// CUDA devices the driver reports (`torch.cuda.device_count()`); 0 without a driver.
    public static var deviceCount: Int { probe.deviceCount }

    /// Why CUDA tensors cannot be created here, or nil when they can.
    public static var unavailableReason: String? {
        if let reason = probe.reason { return reason }
        if DeviceRegistry.factories["cuda"] == nil {
            return "the NVIDIA driver reports \(probe.deviceCount) CUDA device(s), but this build of SwiftTorch has no CUDA backend registered"
        }
        return nil
    }

    /// Throws unless tensors can be placed on `device`.
    static func check(_ device: Device, op: String) throws(TorchError) {
        guard case .cuda(let index) = device else { return }
        if let reason = unavailableReason { throw TorchError("\(op): cannot use \(device): \(reason)") }
        guard index >= 0 && index < deviceCount else {
            throw TorchError("\(op): CUDA error: invalid device ordinal \(index) (\(deviceCount) device(s) available)")
        }
    }
}
