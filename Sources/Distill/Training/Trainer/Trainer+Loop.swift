import Foundation

/// When and where `train` writes checkpoints.
public struct CheckpointPolicy: Sendable {
    public var path: String
    /// Save every this many steps (0: only at the end or when stopped).
    public var every: Int
    public init(path: String, every: Int = 0) {
        self.path = path
        self.every = every
    }
}

extension Trainer {
    /// Trains until `config.totalSteps` or until `progress` says stop. After each step: the JSONL log line,
    /// the progress callback, and a checkpoint when due (always one at the end). Returns the last progress.
    @discardableResult
    public func train(
        checkpoint: CheckpointPolicy? = nil, log: TrainingLog? = nil,
        progress: ((TrainingProgress) -> TrainingControl)? = nil
    ) throws -> TrainingProgress? {
        let clock = ContinuousClock(), start = clock.now, firstStep = step
        var last: TrainingProgress? = nil
        while step < config.totalSteps {
            let result = try trainStep()
            let elapsed = seconds(clock.now - start)
            let stepsDone = step - firstStep
            let report = TrainingProgress(
                step: step, totalSteps: config.totalSteps, loss: result.loss, kl: result.kl,
                crossEntropy: result.crossEntropy, learningRate: result.learningRate, gradientNorm: result.gradientNorm,
                tokens: tokensSeen, tokensPerSecond: Double(stepsDone * config.tokensPerStep) / max(elapsed, 1e-9),
                elapsedSeconds: elapsed, etaSeconds: elapsed / Double(stepsDone) * Double(config.totalSteps - step))
            last = report
            try log?.append(report)
            let control = progress?(report) ?? .proceed
            let finished = control == .stop || step == config.totalSteps
            if let checkpoint, finished || (checkpoint.every > 0 && step % checkpoint.every == 0) {
                try saveCheckpoint(to: checkpoint.path)
            }
            if control == .stop { break }
        }
        return last
    }

    private func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
