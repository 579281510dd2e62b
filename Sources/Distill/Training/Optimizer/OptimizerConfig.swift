import Foundation

/// AdamW and its schedule, with the defaults of nanoGPT/llm.c-style small-model pretraining.
public struct OptimizerConfig: Codable, Sendable, Equatable {
    public var learningRate: Float
    /// The cosine decay ends at learningRate * this.
    public var minimumLearningRateFraction: Float
    public var warmupSteps: Int
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    /// Decoupled weight decay (Loshchilov and Hutter), applied to matrices only.
    public var weightDecay: Float
    /// Clip the global gradient norm to this; 0 turns clipping off.
    public var gradientClip: Float

    public init(learningRate: Float = 1e-3, minimumLearningRateFraction: Float = 0.1, warmupSteps: Int = 0,
                beta1: Float = 0.9, beta2: Float = 0.95, epsilon: Float = 1e-8, weightDecay: Float = 0.1,
                gradientClip: Float = 1) {
        self.learningRate = learningRate
        self.minimumLearningRateFraction = minimumLearningRateFraction
        self.warmupSteps = warmupSteps
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.gradientClip = gradientClip
    }

    public func validate() throws {
        func require(_ condition: Bool, _ why: String) throws {
            if !condition { throw TrainingError.invalidConfiguration(why) }
        }
        try require(learningRate > 0 && learningRate.isFinite, "learning rate must be positive")
        try require(minimumLearningRateFraction >= 0 && minimumLearningRateFraction <= 1,
                    "minimum learning rate fraction must be in [0, 1]")
        try require(warmupSteps >= 0, "warm-up steps must not be negative")
        try require(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "betas must be in [0, 1)")
        try require(epsilon > 0, "epsilon must be positive")
        try require(weightDecay >= 0 && gradientClip >= 0, "weight decay and gradient clip must not be negative")
    }

    /// Linear warm-up over the first warmupSteps, then cosine decay to the minimum at totalSteps.
    /// step counts from 0.
    public func scheduledLearningRate(step: Int, totalSteps: Int) -> Float {
        if step < warmupSteps { return learningRate * Float(step + 1) / Float(warmupSteps) }
        let minimum = learningRate * minimumLearningRateFraction
        let decaySteps = max(1, totalSteps - warmupSteps)
        let progress = min(1, Float(step - warmupSteps) / Float(decaySteps))
        let cosine = Float(0.5 * (1 + cos(Double(progress) * .pi)))
        return minimum + cosine * (learningRate - minimum)
    }
}
