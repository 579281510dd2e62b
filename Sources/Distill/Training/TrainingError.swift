/// Everything the trainer refuses, named so a CLI can print it as is.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    case invalidConfiguration(String)
    case invalidBatch(String)
    case invalidTeacherTargets(String)
    case unknownLoss(String)
    case checkpoint(String)
    case io(path: String, reason: String)
    case diverged(step: Int, loss: Double, gradientNorm: Double)

    public var description: String {
        switch self {
        case .invalidConfiguration(let why): "invalid training configuration: \(why)"
        case .invalidBatch(let why): "invalid training batch: \(why)"
        case .invalidTeacherTargets(let why): "invalid teacher targets: \(why)"
        case .unknownLoss(let name): "unknown loss '\(name)' (expected kl, rkl, jsd or ce)"
        case .checkpoint(let why): "bad checkpoint: \(why)"
        case .io(let path, let reason): "\(path): \(reason)"
        case .diverged(let step, let loss, let norm):
            "training diverged at step \(step): loss \(loss), gradient norm \(norm) (try a lower learning rate)"
        }
    }
}
