import Foundation

/// One student's training, fresh or continued from its checkpoint: a rerun of a killed command picks up
/// at the last checkpoint (written atomically about once a minute and at the end) with the same curve.
/// A time budget is turned into a step count by timing the first `calibrationSteps` steps.
struct TrainingRun {
    let name: String
    let model: TrainingModelConfig
    let modelSeed: UInt64
    /// Where a fresh run starts (a teacher-initialized student); nil: random weights from `modelSeed`.
    var initialWeights: [Float]? = nil
    /// `totalSteps` and the warm-up are placeholders when the budget is a time.
    let trainer: TrainerConfig
    let budget: TrainingBudget
    let checkpointPath: String
    let logPath: String
    var checkpointInterval: Double = 60
    var calibrationSteps = 4

    struct Outcome {
        let model: TrainingModel
        let steps: Int
        let tokens: Int
        let resumedAtStep: Int
        let last: TrainingProgress?
    }

    func run(data: TrainingDataSource, onEvent: @escaping (PipelineEvent) -> Void) throws -> Outcome {
        var trainer: Trainer
        let resumedAt: Int
        if FileManager.default.fileExists(atPath: checkpointPath) {
            do { trainer = try Trainer(resumingFrom: checkpointPath, data: data, threads: self.trainer.threads) } catch {
                throw DistillError.checkpointMismatch(path: checkpointPath, reason: "\(error)")
            }
            try checkCompatible(trainer.model.config, trainer.config)
            resumedAt = trainer.step
        } else {
            try? FileManager.default.removeItem(atPath: logPath)  // lines of a run that never checkpointed
            let start = try initialWeights.map { try TrainingModel(config: model, parameters: $0) }
                ?? TrainingModel(config: model, seed: modelSeed)
            trainer = try Trainer(model: start, config: self.trainer, data: data)
            resumedAt = 0
        }
        let log = try TrainingLog(path: logPath)
        onEvent(.trainingStarted(run: name, parameters: trainer.model.parameterCount, resumedAtStep: resumedAt,
                                 totalSteps: resumedAt > 0 || budget.isSteps ? trainer.config.totalSteps : nil))
        if case .seconds(let seconds) = budget, resumedAt == 0 {
            trainer = try calibrate(trainer, budget: seconds, log: log, onEvent: onEvent)
        }

        let active = trainer, clock = ContinuousClock()
        var lastSave = clock.now
        var saveError: (any Error)?
        let last = try active.train(checkpoint: CheckpointPolicy(path: checkpointPath), log: log) { progress in
            onEvent(.training(run: name, progress))
            guard progress.step < progress.totalSteps, (clock.now - lastSave).seconds >= checkpointInterval else {
                return .proceed
            }
            do { try active.saveCheckpoint(to: checkpointPath) } catch {
                saveError = error
                return .stop
            }
            lastSave = clock.now
            return .proceed
        }
        if let saveError { throw saveError }
        return Outcome(model: active.model, steps: active.step, tokens: active.tokensSeen, resumedAtStep: resumedAt,
                       last: last)
    }

    /// Runs the first steps inside a long warm-up, then fixes the run's length so that it fits the budget.
    /// Their progress is reported (and logged) once the run's length is known, not against the placeholder.
    private func calibrate(_ trainer: Trainer, budget: Double, log: TrainingLog,
                           onEvent: @escaping (PipelineEvent) -> Void) throws -> Trainer {
        let clock = ContinuousClock(), start = clock.now
        var firstStepDone = start
        var reports: [TrainingProgress] = []
        try trainer.train { progress in
            reports.append(progress)
            if progress.step == 1 { firstStepDone = clock.now }
            return progress.step >= calibrationSteps ? .stop : .proceed
        }
        let done = trainer.step
        // The first step pays for first touches of memory; time the others.
        let perStep = done > 1 ? (clock.now - firstStepDone).seconds / Double(done - 1) : (clock.now - start).seconds
        let remaining = budget - (clock.now - start).seconds
        let total = done + max(1, Int(remaining / max(perStep, 1e-6)))
        let warmup = max(done, Self.warmupSteps(total: total))
        onEvent(.trainingPlanned(run: name, totalSteps: total, secondsPerStep: perStep))
        for var report in reports {
            report.totalSteps = total
            report.etaSeconds = perStep * Double(total - report.step)
            try log.append(report)
            onEvent(.training(run: name, report))
        }
        return try trainer.replanned(totalSteps: total, warmupSteps: warmup)
    }

    /// 5% of the run, at most 100 steps.
    static func warmupSteps(total: Int) -> Int { max(1, min(100, total / 20)) }

    /// A checkpoint continues this run only if it trains the same student the same way.
    private func checkCompatible(_ model: TrainingModelConfig, _ config: TrainerConfig) throws {
        var found = config, expected = trainer
        found.threads = nil
        expected.threads = nil  // another thread count changes rounding, not the run
        if !budget.isSteps {
            found.totalSteps = 0
            expected.totalSteps = 0
            found.optimizer.warmupSteps = 0
            expected.optimizer.warmupSteps = 0
        }
        let reason: String? =
            model != self.model ? "another student shape or vocabulary"
            : found.loss != expected.loss ? "loss \(found.loss.kind.rawValue) alpha \(found.loss.alpha) temperature "
                + "\(found.loss.temperature), this run \(expected.loss.kind.rawValue) alpha \(expected.loss.alpha) "
                + "temperature \(expected.loss.temperature)"
            : found.totalSteps != expected.totalSteps ? "\(found.totalSteps) steps, this run \(expected.totalSteps)"
            : found.optimizer != expected.optimizer ? "other optimizer settings (learning rate \(found.optimizer.learningRate))"
            : found != expected ? "other batch, sequence length or seed"
            : nil
        if let reason { throw DistillError.checkpointMismatch(path: checkpointPath, reason: reason) }
    }
}

extension TrainingBudget {
    var isSteps: Bool {
        if case .steps = self { true } else { false }
    }
}
