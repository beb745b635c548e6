import Testing
import Torch
import Glibc

struct IOTests {
    static let dir: String = {
        let d = "/tmp/swifttorch-io-tests-\(getpid())"
        try? FileIO.makeDirectory(d)
        return d
    }()

    @Test func safetensorsRoundTripEveryDtype() throws {
        var sd = StateDict()
        for d in DType.allCases {
            sd["t.\(d.name)"] = Tensor.arange(0, 6).reshape([2, 3]).to(d)
        }
        sd["scalar"] = Tensor(scalar: 2.5)
        sd["empty"] = Tensor.zeros([0, 3])
        let path = "\(Self.dir)/all.safetensors"
        try Safetensors.save(sd, to: path, metadata: ["k": "v"])
        let back = try Safetensors.load(path)
        #expect(back.metadata == ["k": "v"])
        #expect(Array(back.tensors.keys) == Array(sd.keys))
        for (k, t) in sd {
            let u = back.tensors[k]!
            #expect(u.dtype == t.dtype && u.shape == t.shape && u.scalars() == t.scalars(), "\(k)")
        }
    }

    @Test func malformedFilesAreThrownErrorsNotCrashes() throws {
        let good = Safetensors.encode(StateDict([("w", Tensor.ones([4]))]))
        let cases: [(String, [UInt8])] = [
            ("short", [1, 2, 3]),
            ("header too long", [255, 255, 0, 0, 0, 0, 0, 0] + [UInt8](repeating: 32, count: 10)),
            ("truncated data", Array(good.dropLast(4))),
            ("bad json", [4, 0, 0, 0, 0, 0, 0, 0] + Array("{{{{".utf8)),
            ("bad dtype", Self.withHeader(#"{"w":{"dtype":"F99","shape":[1],"data_offsets":[0,4]}}"#, data: 4)),
            ("offsets out of bounds", Self.withHeader(#"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,4000]}}"#, data: 16)),
            ("size mismatch", Self.withHeader(#"{"w":{"dtype":"F32","shape":[5],"data_offsets":[0,16]}}"#, data: 16)),
            ("negative shape", Self.withHeader(#"{"w":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}}"#, data: 16)),
        ]
        for (name, bytes) in cases {
            #expect(throws: TorchIOError.self, "\(name)") { try Safetensors.decode(bytes, source: name) }
        }
        #expect(throws: TorchIOError.self) { try Safetensors.load("\(Self.dir)/does-not-exist.safetensors") }
    }

    static func withHeader(_ json: String, data: Int) -> [UInt8] {
        var h = Array(json.utf8)
        while h.count % 8 != 0 { h.append(32) }
        var out: [UInt8] = []
        var n = UInt64(h.count)
        for _ in 0..<8 { out.append(UInt8(n & 0xFF)); n >>= 8 }
        return out + h + [UInt8](repeating: 0, count: data)
    }

    @Test func atomicWriteReplacesWholeFile() throws {
        let path = "\(Self.dir)/atomic.bin"
        try FileIO.writeAtomically([1, 2, 3], to: path)
        try FileIO.writeAtomically([4, 5], to: path)
        #expect(try FileIO.read(path) == [4, 5])
        #expect(throws: TorchIOError.self) { try FileIO.writeAtomically([1], to: "/proc/no/such/dir/file") }
    }

    @Test func pythonSafetensorsReadsOurFilesAndWeReadTheirs() throws {
        guard system("python3 -c 'import safetensors, numpy' 2>/dev/null") == 0 else { return }
        let m = Sequential(Linear(3, 2), ReLU(), Linear(2, 1))
        let path = "\(Self.dir)/model.safetensors"
        try m.save(to: path)
        let script = """
        import numpy as np
        from safetensors.numpy import load_file, save_file
        d = load_file('\(path)')
        assert sorted(d) == ['0.bias', '0.weight', '2.bias', '2.weight'], sorted(d)
        assert d['0.weight'].shape == (2, 3) and d['0.weight'].dtype == np.float32
        save_file({'0.weight': (d['0.weight'] * 2).astype(np.float32), '0.bias': d['0.bias'], '2.weight': d['2.weight'],
                   '2.bias': np.array([7.0], dtype=np.float32)}, '\(Self.dir)/from_python.safetensors')
        print(repr(float(d['0.weight'][1, 2])))
        """
        try FileIO.writeAtomically(Array(script.utf8), to: "\(Self.dir)/check.py")
        #expect(system("python3 \(Self.dir)/check.py > \(Self.dir)/py.out") == 0)
        let printed = String(decoding: try FileIO.read("\(Self.dir)/py.out"), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Double(printed) == (m[0] as! Linear).weight[1, 2].item(Double.self))
        let m2 = Sequential(Linear(3, 2), ReLU(), Linear(2, 1))
        try m2.load(from: "\(Self.dir)/from_python.safetensors")
        #expect((m2[0] as! Linear).weight.allclose((m[0] as! Linear).weight * 2))
        #expect((m2[2] as! Linear).bias!.item(Double.self) == 7)
    }

    @Test func resumedTrainingContinuesExactly() throws {
        // explicit generators only: other tests use the default one concurrently
        let dropoutGenerator = Generator(seed: 3)
        func makeRun() -> (Module, Optimizer, DataLoader<TensorDataset, [Tensor]>) {
            dropoutGenerator.manualSeed(3)
            let m = Sequential(Linear(4, 8), ReLU(), Linear(8, 3))
            for (k, p) in m.parameters().enumerated() {
                withNoGrad { _ = p.copy_(Tensor.randn(p.shape, generator: Generator(seed: UInt64(100 + k))) * 0.3) }
            }
            let opt = Adam(m.parameters(), lr: 0.01)
            let x = Tensor.randn([40, 4], generator: Generator(seed: 1)), y = Tensor.randint(low: 0, high: 3, [40], generator: Generator(seed: 2))
            return (m, opt, DataLoader(TensorDataset(x, y), batchSize: 8, shuffle: true, seed: 5))
        }
        func epoch(_ m: Module, _ opt: Optimizer, _ loader: DataLoader<TensorDataset, [Tensor]>) -> [Double] {
            var losses: [Double] = []
            for b in loader {
                let loss = F.crossEntropy(F.dropout(m(b[0]), p: 0.2, generator: dropoutGenerator), b[1])
                opt.zeroGrad()
                loss.backward()
                opt.step()
                losses.append(loss.item(Double.self))
            }
            return losses
        }
        let (m1, o1, l1) = makeRun()
        let full = (0..<4).flatMap { _ in epoch(m1, o1, l1) }

        let (m2, o2, l2) = makeRun()
        var first = (0..<2).flatMap { _ in epoch(m2, o2, l2) }
        let path = "\(Self.dir)/resume.safetensors"
        try TrainingCheckpoint(model: m2.stateDict(), optimizer: o2.stateDict(), epoch: 2,
                               rngStates: ["dropout": dropoutGenerator.state, "loader": l2.shuffleGenerator!.state]).save(to: path)
        withNoGrad { _ = Tensor.rand([7], generator: dropoutGenerator) }   // the stopped run's generator moves on
        let (m3, o3, l3) = makeRun()
        let ck = try TrainingCheckpoint.load(from: path)
        try m3.loadStateDict(ck.model)
        try o3.loadStateDict(ck.optimizer!)
        l3.epoch = ck.epoch
        l3.shuffleGenerator!.state = ck.rngStates["loader"]!
        dropoutGenerator.state = ck.rngStates["dropout"]!
        first += (0..<2).flatMap { _ in epoch(m3, o3, l3) }
        #expect(first == full)
    }
}

import Foundation
