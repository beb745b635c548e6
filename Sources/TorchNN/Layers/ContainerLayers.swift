import TorchCore

/// Modules applied in order (`nn.Sequential`); children are named "0", "1", ...
public final class Sequential: Module {
    public private(set) var layers: [Module]

    public init(_ layers: [Module]) {
        self.layers = layers
        super.init()
    }

    public convenience init(_ layers: Module...) { self.init(layers) }

    public override func namedChildren() -> [(String, Module)] {
        layers.enumerated().map { (String($0.offset), $0.element) }
    }

    public override func forward(_ input: Tensor) -> Tensor {
        layers.reduce(input) { x, layer in layer(x) }
    }

    public subscript(i: Int) -> Module { layers[i] }
    public var count: Int { layers.count }
    public func append(_ m: Module) { layers.append(m) }
}

/// A list of modules registered as children "0", "1", ... (`nn.ModuleList`).
public final class ModuleList: Module, Sequence {
    public private(set) var items: [Module]

    public init(_ items: [Module] = []) {
        self.items = items
        super.init()
    }

    public override func namedChildren() -> [(String, Module)] {
        items.enumerated().map { (String($0.offset), $0.element) }
    }

    public subscript(i: Int) -> Module { items[i] }
    public var count: Int { items.count }
    public func append(_ m: Module) { items.append(m) }
    public func makeIterator() -> IndexingIterator<[Module]> { items.makeIterator() }
}

/// Modules registered under string keys, in insertion order (`nn.ModuleDict`).
public final class ModuleDict: Module {
    public private(set) var keys: [String] = []
    var storage: [String: Module] = [:]

    public init(_ pairs: [(String, Module)] = []) {
        super.init()
        for (k, m) in pairs { self[k] = m }
    }

    public subscript(key: String) -> Module? {
        get { storage[key] }
        set {
            if let newValue {
                if storage[key] == nil { keys.append(key) }
                storage[key] = newValue
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    public override func namedChildren() -> [(String, Module)] { keys.map { ($0, storage[$0]!) } }
}

/// Parameters registered as "0", "1", ... (`nn.ParameterList`).
public final class ParameterList: Module {
    var boxes: [Parameter<Tensor>] = []

    public init(_ tensors: [Tensor] = []) {
        super.init()
        for t in tensors { append(t) }
    }

    public func append(_ t: Tensor) { boxes.append(Parameter(wrappedValue: t)) }
    public subscript(i: Int) -> Tensor { boxes[i].wrappedValue }
    public var count: Int { boxes.count }

    public override func namedTensorBoxes() -> [(String, TensorBox)] {
        boxes.enumerated().map { (String($0.offset), $0.element as TensorBox) }
    }
    public override func namedChildren() -> [(String, Module)] { [] }
}
