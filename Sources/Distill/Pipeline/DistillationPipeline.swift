import Foundation

/// `distillery distill` from start to end: corpus -> student vocabulary -> training sequences -> teacher
/// logits cache -> student (and baseline) training -> held-out evaluation -> Q8_0 GGUF and model card.
/// Every long stage keeps its progress in the work folder, so the same command after a kill resumes.
public final class DistillationPipeline {
    public let options: DistillationOptions
    let onEvent: (PipelineEvent) -> Void

    public init(options: DistillationOptions, onEvent: @escaping (PipelineEvent) -> Void = { _ in }) {
        self.options = options
        self.onEvent = onEvent
    }

    public func run() throws -> DistillationReport {
        let (corpus, teachers, vocabulary, sequences, dataDigest) = try prepareData()

        var loss = options.loss
        loss.teacherWeights = options.teachers.map(\.weight)
        let tokensOnly = InMemoryTrainingData(sequences.map { TrainingSequence(tokens: $0) })
        // an untrained student (`--steps 0`) needs no teacher targets
        let data: TrainingDataSource = loss.needsTeacher && options.budget != .steps(0)
            ? try teacherCache(sequences, dataDigest: dataDigest, teachers: teachers, vocabulary: vocabulary,
                               temperature: loss.temperature)
            : tokensOnly

        let start = try studentStart(teachers: teachers, vocabulary: vocabulary, sequences: sequences,
                                     heldOut: corpus.heldOut)
        let student = try train("student", start.config, loss: loss, data: data, weights: start.weights)
        var baselineLoss = loss
        baselineLoss.kind = .ce
        // The same steps and tokens as the student, also when a time budget chose them; from the student's
        // start, or from random weights of its shape.
        let baseline = options.baseline
            ? try train("baseline", start.config, loss: baselineLoss, data: tokensOnly,
                        budget: .steps(student.outcome.steps),
                        weights: options.baselineInitialization == .same ? start.weights : nil)
            : nil

        return try finish(corpus: corpus, teachers: teachers, vocabulary: vocabulary, student: student,
                          baseline: baseline, pruning: start.pruning)
    }

    /// `--teacher-shard I/N`: only this process's part of the teacher cache, no training. A later `distill` with
    /// `--teacher-cache` on the folder of every part's files verifies them and trains.
    public func runTeacherShard(_ part: TeacherShard) throws -> TeacherShardReport {
        let (_, teachers, vocabulary, sequences, dataDigest) = try prepareData()
        let (identity, forwards) = try teacherPass(sequences, dataDigest: dataDigest, teachers: teachers,
                                                   vocabulary: vocabulary, temperature: options.loss.temperature)
        let built = try BLASThreads.with(options.threads) {
            try TeacherCache.build(directory: cacheDirectory, identity: identity, sequences: sequences, teachers: forwards,
                                   sequencesPerShard: options.sequencesPerShard, part: part) { onEvent(.teacherCache($0)) }
        }
        return TeacherShardReport(shard: part, directory: cacheDirectory, cacheShards: built.shards,
                                  reusedShards: built.reused, totalCacheShards: built.totalShards, sequences: sequences.count)
    }

    /// Corpus -> teachers -> student vocabulary -> training sequences (and their digest), with their events.
    private func prepareData() throws -> (Corpus, [Teacher], StudentVocabulary, [[Int32]], String) {
        try options.validate()
        for folder in [options.workDirectory, (options.output as NSString).deletingLastPathComponent] where !folder.isEmpty {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }

        let corpus = try Corpus.load(options.corpus)
        onEvent(.corpus(summary(corpus), skipped: corpus.skipped))

        let teachers = try options.teachers.map(Teacher.init)
        try Teacher.checkSharedVocabulary(teachers)
        for teacher in teachers { onEvent(.teacherLoaded(summary(teacher))) }

        let vocabulary = try StudentVocabulary.select(teacher: teachers[0].tokenizer, documents: corpus.training,
                                                      size: options.vocabularySize)
        for teacher in teachers where vocabulary.teacherIDs.contains(where: { Int($0) >= teacher.model.config.vocabularySize }) {
            throw DistillError.teacher(path: teacher.spec.path, reason: "its output layer is smaller than its tokenizer")
        }
        onEvent(.vocabulary(vocabulary.report))

        var sequences = pack(vocabulary.encode(corpus.training), vocabulary)
        let available = sequences.count
        if let limit = options.trainingTokenLimit {
            sequences = TokenWindows.evenlySpaced(sequences, count: limit / options.sequenceLength)
        }
        guard !sequences.isEmpty else {
            throw DistillError.emptyCorpus("the training text is \(vocabulary.report.studentTokens) student tokens, "
                                           + "too few for one sequence of --seq-len \(options.sequenceLength)")
        }
        onEvent(.sequences(training: sequences.count, available: available, heldOut: corpus.heldOut.count,
                           sequenceLength: options.sequenceLength))
        let dataDigest = CacheIdentity.dataDigest(sequences)
        try claimWorkFolder(data: dataDigest, vocabulary: vocabulary.sha256)
        return (corpus, teachers, vocabulary, sequences, dataDigest)
    }

    /// Training sequences of T + 1 student tokens, BOS first when the student's tokenizer adds one.
    func pack(_ documents: [[Int32]], _ vocabulary: StudentVocabulary, keepPartialLast: Bool = false) -> [[Int32]] {
        let tokenizer = vocabulary.tokenizer
        return TokenWindows.pack(documents, length: options.sequenceLength,
                                 bos: tokenizer.addsBOSByDefault ? tokenizer.bosID : nil, eos: tokenizer.eosID,
                                 keepPartialLast: keepPartialLast)
    }

    /// The work folder's checkpoints continue only on the sequences they were trained on: the first run
    /// records their digest (and the vocabulary's), later runs must match it.
    private func claimWorkFolder(data: String, vocabulary: String) throws {
        let path = (options.workDirectory as NSString).appendingPathComponent("training-data.json")
        let claim = ["sequences_sha256": data, "vocabulary_sha256": vocabulary]
        if let existing = FileManager.default.contents(atPath: path) {
            let recorded = (try? JSONDecoder().decode([String: String].self, from: existing)) ?? [:]
            guard recorded == claim else {
                throw DistillError.checkpointMismatch(
                    path: options.workDirectory,
                    reason: "it was used for other training data or another vocabulary (sequences sha256 "
                        + "\(recorded["sequences_sha256"] ?? "?"), this run \(data))")
            }
            return
        }
        do { try JSONEncoder.sorted.encode(claim).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw DistillError.io(path: path, reason: "cannot write: \(error.localizedDescription)")
        }
    }

    private func teacherCache(_ sequences: [[Int32]], dataDigest: String, teachers: [Teacher],
                              vocabulary: StudentVocabulary, temperature: Float) throws -> TeacherCache {
        let (identity, forwards) = try teacherPass(sequences, dataDigest: dataDigest, teachers: teachers,
                                                   vocabulary: vocabulary, temperature: temperature)
        return try BLASThreads.with(options.threads) {
            try TeacherCache.prepare(directory: cacheDirectory, identity: identity, sequences: sequences, teachers: forwards,
                                     sequencesPerShard: options.sequencesPerShard) { onEvent(.teacherCache($0)) }
        }
    }

    /// The cache's identity, and the teachers' forward passes that fill it.
    private func teacherPass(_ sequences: [[Int32]], dataDigest: String, teachers: [Teacher], vocabulary: StudentVocabulary,
                             temperature: Float) throws -> (CacheIdentity, [any TeacherForward]) {
        let T = options.sequenceLength
        let identity = CacheIdentity(
            teachers: teachers.map(\.sha256), vocabulary: vocabulary.sha256, outsideVocabulary: options.outsideVocabulary,
            topK: min(options.topK, vocabulary.size),
            temperature: temperature, sequenceLength: T, sequences: sequences.count,
            data: dataDigest)
        let maps = firstPieceMaps(teachers, vocabulary)
        let forwards = try teachers.indices.map { t in
            try makeTeacherForward(teachers[t].model, teacherIDs: vocabulary.teacherIDs, contextLength: T,
                                   firstPieces: maps?[t])
        }
        return (identity, forwards)
    }

    private var cacheDirectory: String {
        options.teacherCacheDirectory ?? (options.workDirectory as NSString).appendingPathComponent("teacher-cache")
    }

    struct TrainedStudent {
        let name: String
        let loss: DistillationLoss
        let initialization: String
        let outcome: TrainingRun.Outcome
        let seconds: Double
    }

    private func train(_ name: String, _ model: TrainingModelConfig, loss: DistillationLoss, data: TrainingDataSource,
                       budget: TrainingBudget? = nil, weights: [Float]?) throws -> TrainedStudent {
        let budget = budget ?? options.budget
        let initialization = weights == nil ? "random" : options.initialization.name
        if budget == .steps(0) {  // the start as it is: the pruned teacher, or random weights for a baseline
            let start = try weights.map { try TrainingModel(config: model, parameters: $0) }
                ?? TrainingModel(config: model, seed: options.seed)
            return TrainedStudent(name: name, loss: loss, initialization: initialization,
                                  outcome: .init(model: start, steps: 0, tokens: 0, resumedAtStep: 0, last: nil), seconds: 0)
        }
        let T = options.sequenceLength
        let B = max(1, min(16, options.batchTokens / T))
        let tokensPerStep = max(1, options.batchTokens / (B * T)) * B * T
        let steps: Int, warmup: Int
        switch budget {
        case .steps(let n): (steps, warmup) = (n, TrainingRun.warmupSteps(total: n))
        case .seconds: (steps, warmup) = (1_000_000, 100)  // until the first steps are timed
        }
        let config = TrainerConfig(
            batchSize: B, sequenceLength: T, tokensPerStep: tokensPerStep, totalSteps: steps, seed: options.seed,
            loss: loss, optimizer: OptimizerConfig(learningRate: options.learningRate,
                                                     minimumLearningRateFraction: options.learningRateFloor,
                                                     warmupSteps: warmup),
            threads: options.threads)
        let run = TrainingRun(
            name: name, model: model, modelSeed: options.seed, initialWeights: weights, trainer: config, budget: budget,
            checkpointPath: (options.workDirectory as NSString).appendingPathComponent("\(name).ckpt"),
            logPath: (options.workDirectory as NSString).appendingPathComponent("\(name).jsonl"),
            checkpointInterval: options.checkpointSeconds)
        let clock = ContinuousClock(), start = clock.now
        let outcome = try run.run(data: data, onEvent: onEvent)
        return TrainedStudent(name: name, loss: loss, initialization: initialization, outcome: outcome, seconds: (clock.now - start).seconds)
    }

    func summary(_ corpus: Corpus) -> CorpusSummary {
        CorpusSummary(
            inputs: options.corpus.inputs, include: options.corpus.filter.include,
            exclude: options.corpus.filter.exclude, evalInputs: options.corpus.evalInputs,
            trainingDocuments: corpus.training.count, trainingBytes: corpus.trainingBytes,
            heldOutDocuments: corpus.heldOut.count, heldOutBytes: corpus.heldOutBytes,
            skippedInputs: corpus.skipped.count, duplicatesDropped: corpus.duplicatesDropped, sha256: corpus.sha256)
    }

    func summary(_ teacher: Teacher) -> TeacherSummary {
        TeacherSummary(path: teacher.spec.path, name: teacher.name, architecture: teacher.architecture,
                       sha256: teacher.sha256, weight: teacher.spec.weight, parameters: teacher.parameterCount,
                       isGemma: teacher.isGemma, bitsPerByte: nil)
    }
}
