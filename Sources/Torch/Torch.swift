@_exported import TorchCore
@_exported import TorchNN
