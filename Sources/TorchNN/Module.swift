import TorchCore

/// Storage of a module parameter (`nn.Parameter`): found automatically under the
/// property's name in snake_case (`weight`, `in_proj_weight`). A class, so the
/// module, its state dict and optimizers all see one tensor.
@propertyWrapper
public final class Parameter<Value: TensorSlot> {
    public var wrappedValue: Value {
        get { value }
        set { value = newValue }
    }
    var value: Value
    let name: String?

    /// `name` overrides the state-dict key derived from the property name.
    public init(wrappedValue: Value, _ name: String? = nil) {
        self.value = wrappedValue
        self.name = name
        value.tensorValue?.requiresGrad = true
    }
}

/// A module's non-trainable state (`register_buffer`): running statistics, counters.
@propertyWrapper
public final class Buffer<Value: TensorSlot> {
    public var wrappedValue: Value {
        get { value }
        set { value = newValue }
    }
    var value: Value
    let name: String?
    /// Persistent buffers are part of the state dict.
    public let persistent: Bool

    public init(wrappedValue: Value, _ name: String? = nil, persistent: Bool = true) {
        self.value = wrappedValue
        self.name = name
        self.persistent = persistent
    }
}

/// `Tensor` or `Tensor?`: what a parameter or buffer holds.
public protocol TensorSlot {
    var tensorValue: Tensor? { get }
    static func from(_ t: Tensor?) -> Self
}

extension Tensor: TensorSlot {
    public var tensorValue: Tensor? { self }
    public static func from(_ t: Tensor?) -> Tensor { t! }
}

extension Optional: TensorSlot where Wrapped == Tensor {
    public var tensorValue: Tensor? { self }
    public static func from(_ t: Tensor?) -> Tensor? { t }
}

/// Type-erased access to a parameter or buffer box.
public protocol TensorBox: AnyObject {
    var tensor: Tensor? { get set }
    var explicitName: String? { get }
    var isParameter: Bool { get }
    var isPersistent: Bool { get }
}

extension Parameter: TensorBox {
    public var tensor: Tensor? {
        get { value.tensorValue }
        set { value = Value.from(newValue) }
    }
    public var explicitName: String? { name }
    public var isParameter: Bool { true }
    public var isPersistent: Bool { true }
}

extension Buffer: TensorBox {
    public var tensor: Tensor? {
        get { value.tensorValue }
        set { value = Value.from(newValue) }
    }
    public var explicitName: String? { name }
    public var isParameter: Bool { false }
    public var isPersistent: Bool { persistent }
}

/// PyTorch's `nn.Module`: a tree of modules whose parameters, buffers and children
/// are found from stored properties (`@Parameter`, `@Buffer`, `Module`, `[Module]`),
/// named like PyTorch's state-dict keys (`features.0.weight`, `bn.running_mean`).
/// Subclasses override `forward(_:)` and are called as functions.
open class Module: CustomStringConvertible {
    /// Training mode (dropout active, batch statistics used).
    public internal(set) var training = true
    var forwardPreHooks: [(Module, Tensor) -> Tensor?] = []
    var forwardHooks: [(Module, Tensor, Tensor) -> Tensor?] = []

    public init() {}

    /// The computation of this module.
    open func forward(_ input: Tensor) -> Tensor {
        torchCheck(false, "Module [\(typeName)] is missing the required \"forward\" function")
        return input
    }

    /// Runs forward with the registered hooks (`module(x)`). Disfavoured so that a
    /// subclass's richer call (LSTM's tuple, attention's three inputs) wins for `m(x)`.
    @_disfavoredOverload
    public func callAsFunction(_ input: Tensor) -> Tensor {
        var x = input
        for hook in forwardPreHooks { if let r = hook(self, x) { x = r } }
        var y = forward(x)
        for hook in forwardHooks { if let r = hook(self, x, y) { y = r } }
        return y
    }

    /// Hook run before forward; a non-nil result replaces the input.
    public func registerForwardPreHook(_ hook: @escaping (Module, Tensor) -> Tensor?) { forwardPreHooks.append(hook) }
    /// Hook run after forward with (module, input, output); a non-nil result replaces the output.
    public func registerForwardHook(_ hook: @escaping (Module, Tensor, Tensor) -> Tensor?) { forwardHooks.append(hook) }

    public var typeName: String { String(describing: type(of: self)) }

    // MARK: - Structure

    /// Direct children with their names; the default reads stored properties.
    open func namedChildren() -> [(String, Module)] {
        var out: [(String, Module)] = []
        forEachStoredProperty { label, value in
            if let m = value as? Module {
                out.append((snakeCase(label), m))
            } else if let m = value as? Module?, let m {
                out.append((snakeCase(label), m))
            } else if let list = value as? [Module] {
                for (i, m) in list.enumerated() { out.append(("\(snakeCase(label)).\(i)", m)) }
            }
        }
        return out
    }

    /// This module's own parameter and buffer boxes with their names; the default
    /// reads `@Parameter` and `@Buffer` properties.
    open func namedTensorBoxes() -> [(String, TensorBox)] {
        var out: [(String, TensorBox)] = []
        forEachStoredProperty { label, value in
            if let box = value as? TensorBox {
                let name = box.explicitName ?? snakeCase(label.hasPrefix("_") ? String(label.dropFirst()) : label)
                out.append((name, box))
            }
        }
        return out
    }

    func forEachStoredProperty(_ body: (String, Any) -> Void) {
        var mirrors: [Mirror] = []
        var m: Mirror? = Mirror(reflecting: self)
        while let mirror = m {
            mirrors.append(mirror)
            m = mirror.superclassMirror
        }
        for mirror in mirrors.reversed() {
            for child in mirror.children {
                guard let label = child.label, label != "forwardPreHooks", label != "forwardHooks" else { continue }
                body(label, child.value)
            }
        }
    }

    public func children() -> [Module] { namedChildren().map(\.1) }

    /// This module and all below it, depth first, with dotted names ("" for self).
    public func namedModules(prefix: String = "") -> [(String, Module)] {
        var out: [(String, Module)] = [(prefix, self)]
        for (name, child) in namedChildren() {
            out += child.namedModules(prefix: prefix.isEmpty ? name : "\(prefix).\(name)")
        }
        return out
    }

    public func modules() -> [Module] { namedModules().map(\.1) }

    func namedBoxes(parameters: Bool, prefix: String = "", recurse: Bool = true) -> [(String, TensorBox)] {
        var out: [(String, TensorBox)] = []
        var seen = Set<ObjectIdentifier>()
        let mods = recurse ? namedModules(prefix: prefix) : [(prefix, self)]
        for (modName, m) in mods {
            for (name, box) in m.namedTensorBoxes() where box.isParameter == parameters && box.tensor != nil {
                if seen.insert(ObjectIdentifier(box.tensor!)).inserted {
                    out.append((modName.isEmpty ? name : "\(modName).\(name)", box))
                }
            }
        }
        return out
    }

    /// Parameters with dotted names (`named_parameters`); shared tensors appear once.
    public func namedParameters(prefix: String = "", recurse: Bool = true) -> [(String, Tensor)] {
        namedBoxes(parameters: true, prefix: prefix, recurse: recurse).map { ($0.0, $0.1.tensor!) }
    }

    public func parameters(recurse: Bool = true) -> [Tensor] { namedParameters(recurse: recurse).map(\.1) }

    public func namedBuffers(prefix: String = "", recurse: Bool = true) -> [(String, Tensor)] {
        namedBoxes(parameters: false, prefix: prefix, recurse: recurse).map { ($0.0, $0.1.tensor!) }
    }

    public func buffers(recurse: Bool = true) -> [Tensor] { namedBuffers(recurse: recurse).map(\.1) }

    // MARK: - Modes and gradients

    /// Sets training mode here and below (`train()`); returns self.
    @discardableResult
    public func train(_ mode: Bool = true) -> Self {
        for m in modules() { m.training = mode }
        return self
    }

    /// Evaluation mode (`eval()`).
    @discardableResult
    public func eval() -> Self { train(false) }

    /// Clears parameter gradients (`zero_grad`): to nil, or zeroed in place.
    public func zeroGrad(setToNone: Bool = true) {
        for p in parameters() {
            if setToNone { p.grad = nil } else { withNoGrad { _ = p.grad?.zero_() } }
        }
    }

    /// Sets `requiresGrad` of every parameter (`requires_grad_`): false freezes the module.
    @discardableResult
    public func requiresGrad_(_ requires: Bool = true) -> Self {
        for p in parameters() { p.requiresGrad = requires }
        return self
    }

    /// Calls `fn` on every module below and then on self (`apply`).
    @discardableResult
    public func apply(_ fn: (Module) -> Void) -> Self {
        for c in children() { c.apply(fn) }
        fn(self)
        return self
    }

    /// Converts floating parameters and buffers to `dtype` (`to(dtype)`).
    @discardableResult
    public func to(dtype: DType) -> Self {
        for m in modules() {
            for (_, box) in m.namedTensorBoxes() {
                guard let t = box.tensor, t.dtype.isFloatingPoint, t.dtype != dtype else { continue }
                let converted = withNoGrad { t.to(dtype) }.detach()
                if box.isParameter { converted.requiresGrad = t.requiresGrad }
                box.tensor = converted
            }
        }
        return self
    }

    /// Moves parameters and buffers to `device` (`to(device)`).
    @discardableResult
    public func to(device: Device) -> Self {
        for m in modules() {
            for (_, box) in m.namedTensorBoxes() {
                guard let t = box.tensor, t.device != device else { continue }
                let moved = withNoGrad { t.to(device: device) }.detach()
                if box.isParameter { moved.requiresGrad = t.requiresGrad }
                box.tensor = moved
            }
        }
        return self
    }

    // MARK: - State dict

    /// Parameters and persistent buffers by PyTorch key, in registration order (`state_dict()`).
    public func stateDict(prefix: String = "") -> StateDict {
        var d = StateDict()
        for (modName, m) in namedModules(prefix: prefix) {
            for (name, box) in m.namedTensorBoxes() where box.isPersistent {
                guard let t = box.tensor else { continue }
                d[modName.isEmpty ? name : "\(modName).\(name)"] = t.detach()
            }
        }
        return d
    }

    /// Copies values from `state` into this module's parameters and buffers
    /// (`load_state_dict`). With `strict`, missing or unexpected keys are an error;
    /// a shape mismatch always is. Returns the missing and unexpected keys.
    @discardableResult
    public func loadStateDict(_ state: StateDict, strict: Bool = true) throws -> (missingKeys: [String], unexpectedKeys: [String]) {
        var targets: [(String, TensorBox)] = []
        for (modName, m) in namedModules() {
            for (name, box) in m.namedTensorBoxes() where box.isPersistent && box.tensor != nil {
                targets.append((modName.isEmpty ? name : "\(modName).\(name)", box))
            }
        }
        var errors: [String] = []
        var missing: [String] = []
        for (key, box) in targets {
            guard let src = state[key] else { missing.append(key); continue }
            let dst = box.tensor!
            if src.shape != dst.shape {
                errors.append("size mismatch for \(key): copying a param with shape torch.Size(\(src.shape)) from checkpoint, the shape in current model is torch.Size(\(dst.shape)).")
            }
        }
        let known = Set(targets.map(\.0))
        let unexpected = state.keys.filter { !known.contains($0) }
        if strict {
            if !unexpected.isEmpty { errors.insert("Unexpected key(s) in state_dict: " + unexpected.map { "\"\($0)\"" }.joined(separator: ", ") + ". ", at: 0) }
            if !missing.isEmpty { errors.insert("Missing key(s) in state_dict: " + missing.map { "\"\($0)\"" }.joined(separator: ", ") + ". ", at: 0) }
        }
        if !errors.isEmpty {
            throw TorchIOError("Error(s) in loading state_dict for \(typeName):\n\t" + errors.joined(separator: "\n\t"))
        }
        withNoGrad {
            for (key, box) in targets {
                guard let src = state[key] else { continue }
                _ = box.tensor!.copy_(src)
            }
        }
        return (missing, unexpected)
    }

    // MARK: - Printing

    /// Extra text in this module's repr line (`extra_repr`).
    open var extraDescription: String { "" }

    public var description: String {
        let kids = namedChildren()
        if kids.isEmpty { return "\(typeName)(\(extraDescription))" }
        var lines = ["\(typeName)("]
        if !extraDescription.isEmpty { lines.append("  " + extraDescription) }
        for (name, child) in kids {
            let body = child.description.split(separator: "\n", omittingEmptySubsequences: false)
                .enumerated().map { $0.offset == 0 ? String($0.element) : "  " + $0.element }.joined(separator: "\n")
            lines.append("  (\(name)): \(body)")
        }
        lines.append(")")
        return lines.joined(separator: "\n")
    }
}

/// `runningMean` -> `running_mean` (PyTorch's key spelling).
func snakeCase(_ s: String) -> String {
    var out = ""
    for ch in s {
        if ch.isUppercase {
            if !out.isEmpty { out.append("_") }
            out.append(contentsOf: ch.lowercased())
        } else {
            out.append(ch)
        }
    }
    return out
}

