@_exported import TorchCore
@_exported import TorchNN
@_exported import TorchOptim
@_exported import TorchIO
@_exported import TorchData
