import CTorchKernels

extension CPUBackend {
    private func geometry(_ g: LSTMLayerGeometry) -> st_lstm_geometry {
        st_lstm_geometry(steps: Int64(g.steps), batch: Int64(g.batch), input: Int64(g.input), hidden: Int64(g.hidden),
                         reverse: g.reverse ? 1 : 0)
    }

    func lstmLayerWorkspaceSize(_ g: LSTMLayerGeometry, dtype: DType) -> Int {
        guard dtype == .float32 else { return 0 }
        var geo = geometry(g)
        return st_lstm_workspace_size(&geo)
    }

    func lstmLayerForward(_ g: LSTMLayerGeometry, inputs: [Tensor], outputs: [Tensor], workspace: Tensor?) -> Bool {
        guard inputs.allSatisfy({ $0.dtype == .float32 }) else { return false }
        var geo = geometry(g)
        let p = inputs.map { $0.pointer(as: Float.self) }, o = outputs.map { $0.pointer(as: Float.self) }
        return st_lstm_forward_f32(&geo, p[0], p[1], p[2], p[3], p[4], p[5], o[0], o[1], o[2],
                                   workspace.map { UnsafeMutableRawPointer($0.pointer(as: UInt8.self)) }) != 0
    }

    func lstmLayerBackward(_ g: LSTMLayerGeometry, saved: [Tensor], workspace: Tensor, outputGrads: [Tensor], inputGrads: [Tensor]) -> Bool {
        guard saved.allSatisfy({ $0.dtype == .float32 }), outputGrads.allSatisfy({ $0.dtype == .float32 }) else { return false }
        var geo = geometry(g)
        var s: [UnsafePointer<Float>?] = saved.map { UnsafePointer($0.pointer(as: Float.self)) }
        let go = outputGrads.map { $0.pointer(as: Float.self) }, gi = inputGrads.map { $0.pointer(as: Float.self) }
        return s.withUnsafeMutableBufferPointer { buf in
            st_lstm_backward_f32(&geo, buf.baseAddress, UnsafeMutableRawPointer(workspace.pointer(as: UInt8.self)), go[0], go[1], go[2],
                                 gi[0], gi[1], gi[2], gi[3], gi[4], gi[5]) != 0
        }
    }
}
