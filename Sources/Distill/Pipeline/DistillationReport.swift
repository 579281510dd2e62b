/// Everything a distillation run produced and measured: the model card, the GGUF provenance keys and
/// the CLI's summary are all rendered from this.
public struct DistillationReport: Sendable, Codable, Equatable {
    public var command: String
    public var teachers: [TeacherSummary]
    public var corpus: CorpusSummary
    public var vocabulary: VocabularyReport
    public var vocabularySHA256: String
    public var sequenceLength: Int
    public var topK: Int
    public var student: StudentSummary
    public var baseline: StudentSummary?
    /// Share of the teacher's probability (temperature 1, on the held-out text) on tokens the student
    /// vocabulary dropped; nil without held-out text. With several teachers, of their mixture.
    public var teacherMassOutsideVocabulary: Double?
    /// What the training targets did with that probability (nil: renormalize, in reports before the choice).
    public var outsideVocabulary: OutsideVocabularyTargets?
    public var heldOutTokens: Int
    /// The held-out documents, one file each (`distillery eval --data` reads them back).
    public var heldOutFolder: String?
    /// A teacher-initialized student's pruning, with its bits per byte before training; nil for random init.
    public var pruning: PruningSummary? = nil

    /// How much better (lower) the student's int8 bits per byte is than the baseline's, as a fraction.
    public var improvementOverBaseline: Double? {
        guard let s = student.int8?.bitsPerByte, let b = baseline?.int8?.bitsPerByte, b > 0 else { return nil }
        return (b - s) / b
    }
}

public struct TeacherSummary: Sendable, Codable, Equatable {
    public var path: String
    public var name: String
    public var architecture: String
    public var sha256: String
    public var weight: Float
    public var parameters: Int
    public var isGemma: Bool
    /// Bits per byte on the held-out text with its own tokenizer.
    public var bitsPerByte: Double?
    /// Line completion on the held-out text with its own tokenizer.
    public var lineCompletion: LineCompletionScore?
}

public struct CorpusSummary: Sendable, Codable, Equatable {
    public var inputs: [String]
    public var include: [String]
    public var exclude: [String]
    public var evalInputs: [String]
    public var trainingDocuments: Int
    public var trainingBytes: Int
    public var heldOutDocuments: Int
    public var heldOutBytes: Int
    public var skippedInputs: Int
    public var duplicatesDropped: Int
    public var sha256: String
}

public struct StudentSummary: Sendable, Codable, Equatable {
    public var path: String
    public var model: TrainingModelConfig
    public var parameters: Int
    /// "teacher" or "random": where its weights started.
    public var initialization: String
    public var loss: DistillationLoss
    public var steps: Int
    public var tokens: Int
    public var batchTokens: Int
    public var learningRate: Float
    /// The cosine decay's end, as a fraction of learningRate.
    public var learningRateFloor: Float
    public var seed: UInt64
    public var trainingSeconds: Double
    public var fileBytes: Int
    public var float32: StudentMetrics?
    public var int8: StudentMetrics?
}

/// A student measured on the held-out text.
public struct StudentMetrics: Sendable, Codable, Equatable {
    public var bitsPerByte: Double
    /// The rest come from the pass beside the teacher, which `--no-teacher-eval` skips (nil then).
    /// How often the student's most likely next token is the teacher's (on the student's vocabulary).
    public var top1Agreement: Double?
    /// Mean KL(teacher || student) per position in nats, the teacher restricted to the student's vocabulary.
    public var klToTeacher: Double?
    /// How often the student's most likely next token is the actual one.
    public var top1Accuracy: Double?
    /// Expected calibration error of the top-1 prediction (15 equal-width confidence bins).
    public var expectedCalibrationError: Double?
    /// Line completion on the held-out text (measured for the int8 student only: what is served).
    public var lineCompletion: LineCompletionScore?
}
