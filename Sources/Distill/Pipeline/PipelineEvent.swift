/// What the pipeline reports as it goes, for the CLI to print.
public enum PipelineEvent: Sendable {
    case corpus(CorpusSummary, skipped: [SkippedInput])
    case teacherLoaded(TeacherSummary)
    case vocabulary(VocabularyReport)
    /// `available`: the sequences the training text makes; `training` is fewer under --max-train-tokens.
    case sequences(training: Int, available: Int, heldOut: Int, sequenceLength: Int)
    case teacherCache(TeacherCacheEvent)
    /// A teacher-initialized student's layers and shape, and its held-out bits per byte before training.
    case pruned(PruningSummary)
    /// totalSteps is nil while a time budget has not been turned into steps yet.
    case trainingStarted(run: String, parameters: Int, resumedAtStep: Int, totalSteps: Int?)
    case trainingPlanned(run: String, totalSteps: Int, secondsPerStep: Double)
    case training(run: String, TrainingProgress)
    case evaluating(String)
    case wrote(path: String)
}
