/// How a run trains: micro-batch shape, tokens per optimizer step, length, seed, loss and optimizer.
public struct TrainerConfig: Codable, Sendable, Equatable {
    public var batchSize: Int  // B sequences per micro-batch
    public var sequenceLength: Int  // T
    /// Tokens per optimizer step; a multiple of B*T, the rest done by gradient accumulation.
    public var tokensPerStep: Int
    public var totalSteps: Int
    /// Seeds the data order (model initialization has its own seed in `TrainingModel`).
    public var seed: UInt64
    public var shuffle: Bool
    public var loss: DistillationLoss
    public var optimizer: OptimizerConfig
    /// OpenBLAS threads; nil keeps the library default (all cores). Results are bit-identical only for
    /// the same thread count.
    public var threads: Int?

    public init(batchSize: Int, sequenceLength: Int, tokensPerStep: Int? = nil, totalSteps: Int, seed: UInt64 = 0,
                shuffle: Bool = true, loss: DistillationLoss = DistillationLoss(),
                optimizer: OptimizerConfig = OptimizerConfig(), threads: Int? = nil) {
        self.batchSize = batchSize
        self.sequenceLength = sequenceLength
        self.tokensPerStep = tokensPerStep ?? batchSize * sequenceLength
        self.totalSteps = totalSteps
        self.seed = seed
        self.shuffle = shuffle
        self.loss = loss
        self.optimizer = optimizer
        self.threads = threads
    }

    /// Micro-batches per optimizer step.
    public var accumulationSteps: Int { tokensPerStep / (batchSize * sequenceLength) }

    public func validate() throws {
        func require(_ condition: Bool, _ why: String) throws {
            if !condition { throw TrainingError.invalidConfiguration(why) }
        }
        try require(batchSize > 0 && sequenceLength > 0, "batch size and sequence length must be positive")
        try require(tokensPerStep > 0 && tokensPerStep % (batchSize * sequenceLength) == 0,
                    "tokens per step \(tokensPerStep) must be a positive multiple of batch x sequence length "
                        + "\(batchSize * sequenceLength)")
        try require(totalSteps > 0, "total steps must be positive")
        try require(threads.map { $0 > 0 } ?? true, "threads must be positive")
        try loss.validate()
        try optimizer.validate()
    }
}
