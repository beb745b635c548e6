import Foundation
import Testing
import Torch

/// oneDNN primitives are cached process-wide: one built on a thread must run on any
/// other thread (one that never built a primitive, or one that has exited) with the
/// same results. float64 (composite kernels) is the reference.
@Suite(.serialized)
struct OneDNNThreadingTests {
    /// Runs `body` on a fresh thread and waits for it.
    static func onNewThread(_ body: @escaping @Sendable () -> [Double]) -> [Double] {
        final class Box: @unchecked Sendable {
            var values: [Double] = []
        }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.values = body()
            done.signal()
        }
        thread.start()
        done.wait()
        return box.values
    }

    /// Convolution forward and both backwards, and an LSTM layer forward and backward,
    /// at shapes no other test uses (so this test builds their primitives).
    static func convolutionAndLSTM(_ dtype: DType) -> [Double] {
        let g = Generator(seed: 77)
        let x = Tensor.randn([5, 12, 11, 13], dtype: .float64, generator: g).to(dtype).requiresGrad_()
        let w = Tensor.randn([24, 12, 3, 3], dtype: .float64, generator: g).to(dtype).requiresGrad_()
        let b = Tensor.randn([24], dtype: .float64, generator: g).to(dtype).requiresGrad_()
        let y = F.conv2d(x, w, bias: b, padding: .explicit([1]))
        let (t, batch, input, hidden) = (7, 5, 9, 11)
        let s = Tensor.randn([t, batch, input], dtype: .float64, generator: g).to(dtype).requiresGrad_()
        let h0 = Tensor.zeros([batch, hidden], dtype: dtype), c0 = Tensor.zeros([batch, hidden], dtype: dtype)
        let wih = (Tensor.randn([4 * hidden, input], dtype: .float64, generator: g) * 0.3).to(dtype).requiresGrad_()
        let whh = (Tensor.randn([4 * hidden, hidden], dtype: .float64, generator: g) * 0.3).to(dtype).requiresGrad_()
        let bias = Tensor.zeros([4 * hidden], dtype: dtype)
        let r = Torch.lstmLayer(s, h0: h0, c0: c0, weightIH: wih, weightHH: whh, biasIH: bias, biasHH: bias, reverse: false)
        let loss = (y * y).sum() + (r.output * r.output).sum() + r.c.sum()
        loss.backward()
        let parts = [y, r.output, x.grad!, w.grad!, b.grad!, s.grad!, wih.grad!, whh.grad!]
        return parts.flatMap { $0.to(.float64).reshape([-1]).toArray(Double.self) }
    }

    static func matches(_ got: [Double], _ expected: [Double]) -> Bool {
        got.count == expected.count && zip(got, expected).allSatisfy { abs($0 - $1) <= 1e-3 + 1e-3 * abs($1) }
    }

    @Test func primitivesRunOnThreadsOtherThanTheirBuilder() {
        let reference = Self.convolutionAndLSTM(.float64)
        let built = Self.onNewThread { Self.convolutionAndLSTM(.float32) }
        #expect(Self.matches(built, reference), "on the building thread")
        // the building thread has exited; these threads never built a primitive
        for round in 0..<3 {
            let reused = Self.onNewThread { Self.convolutionAndLSTM(.float32) }
            #expect(Self.matches(reused, reference), "on fresh thread \(round)")
        }
        #expect(Self.matches(Self.convolutionAndLSTM(.float32), reference), "on the test's thread")
    }

    /// Several threads at once, each running its own graphs (oneDNN primitives, the
    /// allocator, autograd, the OpenMP pool from different callers).
    @Test func concurrentCallersGetTheSameResults() {
        let reference = Self.convolutionAndLSTM(.float64)
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var values: [Int: [Double]] = [:]
        }
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: 4) { caller in
            let values = Self.convolutionAndLSTM(.float32)
            results.lock.withLock { results.values[caller] = values }
        }
        for caller in 0..<4 {
            #expect(Self.matches(results.values[caller] ?? [], reference), "caller \(caller)")
        }
    }
}
