import Engine
import Foundation
import GGUF

extension DistillationPipeline {
    /// Evaluates the trained students on the held-out text, then writes OUT.gguf (Q8_0, with provenance
    /// and metrics), OUT-baseline.gguf and the model card.
    func finish(corpus: Corpus, teachers: [Teacher], vocabulary: StudentVocabulary, student: TrainedStudent,
                baseline: TrainedStudent?, pruning: PruningSummary?) throws -> DistillationReport {
        let trained = [student] + (baseline.map { [$0] } ?? [])
        var summaries = trained.map { summarize($0, path: $0.name == "student" ? options.studentPath : options.baselinePath) }
        var teacherSummaries = teachers.map { summary($0) }
        var outside: Double?
        var heldOutTokens = 0
        let heldOutFolder = try writeHeldOut(corpus.heldOut)

        if !corpus.heldOut.isEmpty {
            let evaluation = HeldOutEvaluation(teachers: teachers, vocabulary: vocabulary, documents: corpus.heldOut,
                                               contextLength: options.sequenceLength,
                                               firstPieces: firstPieceMaps(teachers, vocabulary))
            try BLASThreads.with(options.threads) {
                if options.evaluateTeachers {
                    onEvent(.evaluating("teacher bits per byte on \(corpus.heldOut.count) held-out documents"))
                    for (i, teacher) in teachers.enumerated() {
                        teacherSummaries[i].bitsPerByte = try evaluation.bitsPerByte(teacher.model, tokenizer: teacher.tokenizer)
                    }
                }
                // [f32, int8] per trained student
                let engines = try trained.flatMap { t in
                    try [GGMLType.f32, .q8_0].map { try engine(t.outcome.model, vocabulary: vocabulary, weights: $0) }
                }
                onEvent(.evaluating("student bits per byte (f32 and int8)"))
                let bits = try engines.map { try evaluation.bitsPerByte($0, tokenizer: vocabulary.tokenizer) }
                if options.evaluateTeachers {
                    onEvent(.evaluating("top-1 agreement, KL and calibration against the teacher"))
                    let comparison = try evaluation.compare(students: engines, weights: options.teachers.map(\.weight))
                    for i in summaries.indices {
                        summaries[i].float32 = comparison.students[2 * i].metrics(bitsPerByte: bits[2 * i])
                        summaries[i].int8 = comparison.students[2 * i + 1].metrics(bitsPerByte: bits[2 * i + 1])
                    }
                    outside = comparison.outsideMass
                    heldOutTokens = comparison.positions
                } else {
                    for i in summaries.indices {
                        summaries[i].float32 = StudentMetrics(bitsPerByte: bits[2 * i])
                        summaries[i].int8 = StudentMetrics(bitsPerByte: bits[2 * i + 1])
                    }
                    heldOutTokens = evaluation.positions
                }
                if options.lineCompletionLines > 0 {
                    try completeLines(evaluation, teachers: options.evaluateTeachers ? teachers : [],
                                      teacherSummaries: &teacherSummaries,
                                      students: trained.indices.map { engines[2 * $0 + 1] }, summaries: &summaries,
                                      tokenizer: vocabulary.tokenizer)
                }
            }
        }

        var report = DistillationReport(
            command: options.command, teachers: teacherSummaries, corpus: summary(corpus), vocabulary: vocabulary.report,
            vocabularySHA256: vocabulary.sha256, sequenceLength: options.sequenceLength,
            topK: min(options.topK, vocabulary.size), student: summaries[0], baseline: summaries.count > 1 ? summaries[1] : nil,
            teacherMassOutsideVocabulary: outside, heldOutTokens: heldOutTokens, heldOutFolder: heldOutFolder,
            pruning: pruning)
        report.outsideVocabulary = options.outsideVocabulary
        report.student.fileBytes = try write(student, summary: report.student, report: report, vocabulary: vocabulary)
        if let baseline, let summary = report.baseline {
            report.baseline!.fileBytes = try write(baseline, summary: summary, report: report, vocabulary: vocabulary)
        }
        let terms = try copyGemmaTerms(teachers)
        try writeText(ModelCard.render(report, termsFile: terms), to: options.modelCardPath)
        onEvent(.wrote(path: options.modelCardPath))
        return report
    }

    private func summarize(_ trained: TrainedStudent, path: String) -> StudentSummary {
        StudentSummary(
            path: path, model: trained.outcome.model.config, parameters: trained.outcome.model.parameterCount,
            initialization: trained.initialization, loss: trained.loss, steps: trained.outcome.steps, tokens: trained.outcome.tokens,
            batchTokens: options.batchTokens, learningRate: options.learningRate,
            learningRateFloor: options.learningRateFloor, seed: options.seed,
            trainingSeconds: trained.seconds, fileBytes: 0, float32: nil, int8: nil)
    }

    /// The student as the Engine runs it from a GGUF in memory: the f32 reference over f32 weights, or the Q8_0
    /// file on the int8 engine, as `distillery serve` runs it.
    func engine(_ model: TrainingModel, vocabulary: StudentVocabulary, weights: GGMLType) throws -> any LanguageModel {
        let writer = try StudentGGUF.writer(model: model, vocabulary: vocabulary.trimmed.vocabulary, weightType: weights,
                                            name: "evaluation")
        let file = try GGUFFile(mapped: MappedFile(contents: writer.serialized()))
        if weights == .q8_0 { return try loadServingModel(file: file, threads: options.threads) }
        return try loadReferenceModel(file: file)
    }

    /// Writes one student's Q8_0 GGUF; returns its size in bytes.
    private func write(_ trained: TrainedStudent, summary: StudentSummary, report: DistillationReport,
                       vocabulary: StudentVocabulary) throws -> Int {
        let name = ((summary.path as NSString).lastPathComponent as NSString).deletingPathExtension
        var writer = try StudentGGUF.writer(model: trained.outcome.model, vocabulary: vocabulary.trimmed.vocabulary,
                                            weightType: .q8_0, name: name, provenance: Provenance.keys(report, summary))
        if report.teachers.contains(where: \.isGemma) { writer.set("general.license", .string("gemma")) }
        let bytes = writer.serialized()
        do { try writer.write(to: summary.path) } catch {
            throw DistillError.io(path: summary.path, reason: "\(error)")
        }
        onEvent(.wrote(path: summary.path))
        return bytes.count
    }

    /// A Gemma teacher's terms travel with the student (Gemma Terms of Use, section 3.1): copied beside
    /// OUT.gguf when the teacher's folder has them. Returns the copy's file name.
    private func copyGemmaTerms(_ teachers: [Teacher]) throws -> String? {
        for teacher in teachers where teacher.isGemma {
            let source = ((teacher.spec.path as NSString).deletingLastPathComponent as NSString)
                .appendingPathComponent("GEMMA_TERMS.html")
            guard FileManager.default.fileExists(atPath: source) else { continue }
            let destination = options.output + "-GEMMA_TERMS.html"
            try? FileManager.default.removeItem(atPath: destination)
            do { try FileManager.default.copyItem(atPath: source, toPath: destination) } catch {
                throw DistillError.io(path: destination, reason: "cannot copy the Gemma terms: \(error.localizedDescription)")
            }
            return (destination as NSString).lastPathComponent
        }
        return nil
    }

    /// The held-out documents as files, so `distillery eval --data FOLDER --ctx T` reproduces the bits per
    /// byte of the report (it scores each file on its own, as the evaluation here does each document).
    private func writeHeldOut(_ documents: [CorpusDocument]) throws -> String? {
        guard !documents.isEmpty else { return nil }
        let folder = (options.workDirectory as NSString).appendingPathComponent("held-out")
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (i, document) in documents.enumerated() {
            let name = ((document.source as NSString).lastPathComponent as NSString).deletingPathExtension
                .filter { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
            try writeText(document.text, to: (folder as NSString).appendingPathComponent(String(format: "%04d-", i) + name + ".txt"))
        }
        return folder
    }

    private func writeText(_ text: String, to path: String) throws {
        do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
            throw DistillError.io(path: path, reason: "cannot write: \(error.localizedDescription)")
        }
    }
}
