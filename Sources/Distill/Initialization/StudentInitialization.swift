/// Where a student's weights start (`--init`): random (llm.c's initialization) in the shape of
/// `DistillationOptions.student`, or the first teacher's own weights, pruned (Minitron, ShortGPT, DistilBERT).
public enum StudentInitialization: Sendable, Equatable {
    case random
    case teacher(TeacherPruning)

    public var name: String {
        switch self {
        case .random: "random"
        case .teacher: "teacher"
        }
    }
}

/// How much of the teacher a teacher-initialized student keeps (`--keep-layers`, `--layers`, `--heads`, `--ffn`,
/// `--dim`); nil keeps all.
public struct TeacherPruning: Sendable, Equatable {
    /// Exactly these teacher layers, in order.
    public var keepLayers: [Int]?
    /// Or this many, the most important by block influence.
    public var layerCount: Int?
    public var heads: Int?
    public var feedForwardLength: Int?
    public var embeddingLength: Int?
    /// Training sequences the importance scores are measured on.
    public var calibrationSequences = 8

    public init(keepLayers: [Int]? = nil, layerCount: Int? = nil, heads: Int? = nil, feedForwardLength: Int? = nil,
                embeddingLength: Int? = nil) {
        self.keepLayers = keepLayers
        self.layerCount = layerCount
        self.heads = heads
        self.feedForwardLength = feedForwardLength
        self.embeddingLength = embeddingLength
    }

    /// The plan for a teacher of `layers` layers, given the measured scores.
    func plan(teacherLayers: Int, scores: ImportanceScores) throws -> PruningPlan {
        let layers: [Int]
        if let keepLayers {
            layers = keepLayers
        } else if let layerCount {
            guard (1...teacherLayers).contains(layerCount) else {
                throw DistillError.invalidOption("--layers \(layerCount): the teacher has \(teacherLayers) layers")
            }
            layers = ImportanceScores.top(layerCount, of: scores.blockInfluence)
        } else {
            layers = Array(0..<teacherLayers)
        }
        return PruningPlan(layers: layers, heads: heads, feedForwardLength: feedForwardLength,
                           embeddingLength: embeddingLength)
    }
}

/// What the pruning did and how good the student was before its first step, for the report and the card.
public struct PruningSummary: Sendable, Codable, Equatable {
    public var plan: PruningPlan
    public var teacherLayers: Int
    /// [L of the teacher] 1 - cos(input, output) of each block.
    public var blockInfluence: [Double]
    /// Held-out bits per byte of the pruned student (f32) before any training step.
    public var prunedBitsPerByte: Double?
}
