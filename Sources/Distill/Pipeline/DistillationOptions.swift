/// How long a student trains: a number of optimizer steps, or a wall-clock budget that the first few
/// steps turn into a number of steps (so the learning-rate schedule still runs its whole course).
public enum TrainingBudget: Sendable, Equatable {
    case steps(Int)
    case seconds(Double)
}

/// `--baseline-init`: what the `ce` baseline starts from, so the card can tell what distillation bought
/// (same start) from what the teacher's weights bought (random start).
public enum BaselineInitialization: String, Sendable, Equatable {
    case same, random
}

/// Everything `distillery distill` is asked to do.
public struct DistillationOptions: Sendable {
    public var teachers: [TeacherSpec]
    public var corpus: CorpusOptions
    /// The student's vocabulary size, required tokens included.
    public var vocabularySize = 8192
    public var topK = 32
    /// What the targets do with the teacher's probability on tokens the student's vocabulary dropped.
    public var outsideVocabulary = OutsideVocabularyTargets.firstPiece
    /// T: tokens per training sequence, and the context the student is evaluated with.
    public var sequenceLength = 256
    /// Caps the training text at about this many tokens, in sequences drawn evenly from the whole corpus, so
    /// a corpus larger than the teacher pass can cover in the time at hand still lends every part of itself
    /// (nil: every sequence). The vocabulary is chosen from the whole corpus either way.
    public var trainingTokenLimit: Int?
    public var student = StudentShape.small
    /// Random weights in the shape of `student`, or the first teacher's, pruned.
    public var initialization = StudentInitialization.random
    /// The baseline's start: the student's own (`same`), or random weights of the student's shape.
    public var baselineInitialization = BaselineInitialization.same
    /// The loss's kind, alpha, temperature (also the capture temperature) and beta; the teacher weights
    /// come from `teachers`.
    public var loss = DistillationLoss()
    public var budget = TrainingBudget.steps(500)
    public var learningRate: Float = 1e-3
    /// The cosine decay ends at learningRate * this: near zero, so that the last steps settle (issue 18).
    public var learningRateFloor: Float = 0.01
    /// Tokens per optimizer step (rounded to whole micro-batches).
    public var batchTokens = 4096
    public var seed: UInt64 = 0
    /// Held-out lines the teachers and the int8 students complete (0: no line completion).
    public var lineCompletionLines = 200
    /// Run the teachers on the held-out text: their bits per byte and line completion, and the students'
    /// agreement, KL, accuracy and calibration against them. Off (`--no-teacher-eval`), the held-out text
    /// measures the students alone, which saves the teachers' full-vocabulary passes (most of the evaluation).
    public var evaluateTeachers = true
    /// Also train a `ce` student on the same data and budget, for comparison.
    public var baseline = false
    /// Output path without extension: writes OUTPUT.gguf, OUTPUT.md (and OUTPUT-baseline.gguf).
    public var output: String
    /// Teacher cache, checkpoints and logs; a rerun of the same command resumes from them.
    public var workDirectory: String
    /// The teacher's targets (nil: WORK/teacher-cache). One folder serves every student that shares the
    /// teachers, vocabulary, top-k, temperature, sequence length and training sequences; it refuses others.
    public var teacherCacheDirectory: String?
    /// Compute only this part of the teacher cache and stop (`--teacher-shard I/N`); nil: the whole pipeline.
    public var teacherShard: TeacherShard?
    /// OpenBLAS threads for training (nil: all cores).
    public var threads: Int?
    /// The command line, recorded in the model card and the GGUF.
    public var command = ""
    /// Seconds between training checkpoints (0: after every step); one is always written at the end.
    public var checkpointSeconds: Double = 60
    /// Sequences per teacher-cache shard: the unit of work a kill can lose.
    public var sequencesPerShard = 32

    public init(teachers: [TeacherSpec], corpus: CorpusOptions, output: String, workDirectory: String? = nil) {
        self.teachers = teachers
        self.corpus = corpus
        let base = output.hasSuffix(".gguf") ? String(output.dropLast(5)) : output
        self.output = base
        self.workDirectory = workDirectory ?? base + ".work"
    }

    public var studentPath: String { output + ".gguf" }
    public var baselinePath: String { output + "-baseline.gguf" }
    public var modelCardPath: String { output + ".md" }

    public func validate() throws {
        func require(_ condition: Bool, _ why: String) throws {
            if !condition { throw DistillError.invalidOption(why) }
        }
        try require(!teachers.isEmpty, "at least one --teacher is needed")
        try require(!corpus.inputs.isEmpty, "at least one --data input is needed")
        try require(vocabularySize >= 260, "--vocab must be at least 260")
        try require(topK >= 1, "--top-k must be at least 1")
        try require(sequenceLength >= 2, "--seq-len must be at least 2")
        if let limit = trainingTokenLimit {
            try require(limit >= sequenceLength, "--max-train-tokens must be at least --seq-len")
        }
        try require(batchTokens >= 1, "--batch-tokens must be positive")
        try require(lineCompletionLines >= 0, "--lines must not be negative")
        try require(learningRate > 0 && learningRate.isFinite, "--lr must be positive")
        switch budget {
        case .steps(let n):
            try require(n >= 0, "--steps must not be negative")
            try require(n > 0 || initialization != .random,
                        "--steps 0 writes the pruned teacher untrained, so it needs --init teacher")
        case .seconds(let s): try require(s > 0 && s.isFinite, "--time-budget must be positive")
        }
        try require(teacherShard == nil || loss.needsTeacher,
                    "--teacher-shard computes teacher targets, which --loss ce does not use")
        try student.validate()
        do { try loss.validate() } catch { throw DistillError.invalidOption("\(error)") }
    }
}
