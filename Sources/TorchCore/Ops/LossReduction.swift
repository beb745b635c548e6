/// How a loss reduces over the batch (`reduction=`).
public enum Reduction: String, Sendable {
    case none, mean, sum
}
