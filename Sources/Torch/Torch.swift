@_exported import TorchCore
