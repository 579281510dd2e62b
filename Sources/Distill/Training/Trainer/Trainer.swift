/// Trains a `TrainingModel` on a `TrainingDataSource`: per optimizer step, gradient accumulation over
/// micro-batches of B sequences x T tokens (forward, loss, loss backward, graph backward), then global-norm
/// clipping, the learning-rate schedule and AdamW. Deterministic for a given seed and thread count; a
/// checkpoint holds everything needed to continue the same run bit for bit.
public final class Trainer {
    public let model: TrainingModel
    public let config: TrainerConfig
    public private(set) var step: Int
    public private(set) var tokensSeen: Int
    let data: TrainingDataSource
    let graph: TrainingGraph
    let optimizer: AdamW
    var cursor: DataCursor
    var order: [Int]
    let batch: BatchBuffers

    public convenience init(model: TrainingModel, config: TrainerConfig, data: TrainingDataSource) throws {
        try self.init(model: model, config: config, data: data, step: 0, tokensSeen: 0,
                      cursor: .start(seed: config.seed))
    }

    init(model: TrainingModel, config: TrainerConfig, data: TrainingDataSource, step: Int, tokensSeen: Int,
         cursor: DataCursor) throws {
        try config.validate()
        guard data.sequenceCount > 0 else { throw TrainingError.invalidBatch("the training data has no sequences") }
        self.model = model
        self.config = config
        self.data = data
        self.step = step
        self.tokensSeen = tokensSeen
        self.cursor = cursor
        order = cursor.order(count: data.sequenceCount, shuffle: config.shuffle)
        graph = try TrainingGraph(model: model, batchSize: config.batchSize, sequenceLength: config.sequenceLength)
        optimizer = AdamW(config: config.optimizer, layout: model.layout)
        batch = BatchBuffers(count: config.batchSize * config.sequenceLength)
    }

    /// The result of one optimizer step.
    public struct StepResult: Sendable, Equatable {
        public var loss: Double
        public var kl: Double?
        public var crossEntropy: Double
        public var learningRate: Float
        public var gradientNorm: Double
    }

    /// One optimizer step over `config.tokensPerStep` tokens.
    public func trainStep() throws -> StepResult {
        try withConfiguredThreads { try unthreadedStep() }
    }

    func withConfiguredThreads<R>(_ body: () throws -> R) rethrows -> R {
        try BLASThreads.with(config.threads, body)
    }

    private func unthreadedStep() throws -> StepResult {
        let N = config.batchSize * config.sequenceLength, V = model.config.vocabularySize
        let dloss = 1 / Float(config.tokensPerStep)  // the loss is the mean over the step's positions
        var sums = LossSums()
        var sawTeacher = true
        graph.gradients.zero()
        for _ in 0..<config.accumulationSteps {
            let teacher = try loadNextBatch()
            sawTeacher = sawTeacher && teacher != nil
            try graph.forward(tokens: UnsafeBufferPointer(batch.tokens))
            let micro = try LossLayer.backward(graph.logitGradients.pointer, graph.logits.pointer, batch.targets.baseAddress!,
                                               teacher, config.loss, dloss: dloss, N, V)
            sums.add(micro)
            graph.backward()
        }
        let positions = Double(sums.positions)
        let norm = GradientClipping.clip(graph.gradients, maxNorm: config.optimizer.gradientClip)
        guard norm.isFinite, sums.loss.isFinite else {
            throw TrainingError.diverged(step: step, loss: sums.loss / positions, gradientNorm: norm)
        }
        let lr = config.optimizer.scheduledLearningRate(step: step, totalSteps: config.totalSteps)
        optimizer.update(model.parameters, graph.gradients, learningRate: lr, t: step + 1)
        step += 1
        tokensSeen += config.tokensPerStep
        return StepResult(loss: sums.loss / positions, kl: sawTeacher ? sums.kl / positions : nil,
                          crossEntropy: sums.crossEntropy / positions, learningRate: lr, gradientNorm: norm)
    }
}
