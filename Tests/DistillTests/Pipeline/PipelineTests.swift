import Engine
import Foundation
import GGUF
import Tokenizer
import XCTest
@testable import Distill

/// The whole pipeline on a tiny random teacher and a tiny corpus: a student GGUF the Engine loads and
/// generates from, with its tokenizer, provenance and model card; and the distilled student closer to
/// the teacher than the `ce` baseline trained with the same budget.
final class PipelineTests: XCTestCase {
    private func options(_ folder: TemporaryFolder, steps: Int = 60) throws -> DistillationOptions {
        let texts = SyntheticCorpus.documents(count: 40)
        for (i, text) in texts.enumerated() { try folder.write(text, to: "data/module_\(i).py") }
        try folder.write("binary\0file", to: "data/blob.py")
        try FileManager.default.createDirectory(atPath: folder.file("teacher"), withIntermediateDirectories: true)
        try SyntheticTeacher.write(to: folder.file("teacher/teacher.gguf"), texts: texts)
        var options = DistillationOptions(
            teachers: [TeacherSpec(path: folder.file("teacher/teacher.gguf"))],
            corpus: CorpusOptions(inputs: [folder.file("data")], filter: FileFilter(include: ["*.py"]), evalFraction: 0.15),
            output: folder.file("out/student.gguf"))
        options.vocabularySize = 320
        options.topK = 8
        options.sequenceLength = 32
        options.student = StudentShape(embeddingLength: 32, layerCount: 1, headCount: 2, feedForwardLength: 64)
        options.loss = DistillationLoss(kind: .kl, alpha: 0.9, temperature: 1)
        options.budget = .steps(steps)
        options.learningRate = 3e-3
        options.batchTokens = 256
        options.sequencesPerShard = 8
        options.command = "distillery distill --teacher teacher.gguf --data data -o out/student"
        return options
    }

    func testDistillsAStudentTheEngineLoadsAndGeneratesFrom() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        var options = try options(folder)
        options.baseline = true
        var events: [PipelineEvent] = []
        let report = try DistillationPipeline(options: options) { events.append($0) }.run()

        XCTAssertEqual(options.studentPath, folder.file("out/student.gguf"))
        XCTAssertEqual(report.corpus.skippedInputs, 1, "the binary file is reported and skipped")
        let file = try GGUFFile(path: options.studentPath)
        XCTAssertEqual(file.architecture, "llama")
        let layout = try TrainingModel(config: report.student.model, seed: 0).layout
        XCTAssertEqual(Set(file.tensors.map(\.name)), Set(layout.tensors.map(\.name)))
        for tensor in file.tensors {
            XCTAssertEqual(tensor.type, tensor.name.hasSuffix("norm.weight") ? .f32 : .q8_0, tensor.name)
        }
        let keys = file.metadata
        XCTAssertEqual(keys["distillery.teacher.sha256"]?.string, try SHA256.hex(fileAt: options.teachers[0].path))
        XCTAssertEqual(keys["distillery.corpus.sha256"]?.string, report.corpus.sha256)
        XCTAssertEqual(keys["distillery.loss"]?.string, "kl")
        XCTAssertEqual(keys["distillery.temperature"]?.double, 1)
        XCTAssertEqual(keys["distillery.alpha"]?.double ?? 0, 0.9, accuracy: 1e-6)
        XCTAssertEqual(keys["distillery.steps"]?.int, 60)
        XCTAssertEqual(keys["distillery.command"]?.string, options.command)
        XCTAssertEqual(keys["distillery.eval.bits_per_byte"]?.double, report.student.int8?.bitsPerByte)
        XCTAssertNotNil(keys["distillery.eval.teacher_bits_per_byte"]?.double)
        XCTAssertEqual(keys["llama.context_length"]?.int, 32)

        // the student's own tokenizer travels in the file
        let tokenizer = try Tokenizer(gguf: file)
        XCTAssertEqual(tokenizer.vocabularySize, report.vocabulary.size)
        XCTAssertLessThanOrEqual(tokenizer.vocabularySize, 320)
        let prompt = "def load_value_0(value, key=None):\n"
        XCTAssertEqual(tokenizer.decode(tokenizer.encode(prompt, addBOS: false)), prompt)

        let model = try LlamaModel(file: file)
        var sampler = try Sampler(SamplingParameters(temperature: 0))
        var generated: [Int32] = []
        try Generator(model: model).generate(prompt: tokenizer.encode(prompt, addBOS: true), state: model.makeState(),
                                             sampler: &sampler, options: GenerationOptions(maxTokens: 12, stopTokens: [])) {
            generated.append($0.id)
            return .proceed
        }
        XCTAssertEqual(generated.count, 12)

        // evaluation: every number measured, and distillation brought the student closer to the teacher
        let student = try XCTUnwrap(report.student.int8), baseline = try XCTUnwrap(report.baseline?.int8)
        XCTAssertEqual(report.student.float32!.bitsPerByte, student.bitsPerByte, accuracy: 0.05, "int8 costs little")
        XCTAssertLessThan(try XCTUnwrap(student.klToTeacher), try XCTUnwrap(baseline.klToTeacher))
        XCTAssertGreaterThan(try XCTUnwrap(student.top1Agreement), try XCTUnwrap(baseline.top1Agreement))
        XCTAssertTrue((0...1).contains(try XCTUnwrap(student.expectedCalibrationError)))
        XCTAssertTrue(report.teachers[0].bitsPerByte!.isFinite)
        XCTAssertGreaterThan(report.heldOutTokens, 0)
        XCTAssertEqual(try GGUFFile(path: options.baselinePath).metadata["distillery.loss"]?.string, "ce")

        let card = try String(contentsOfFile: options.modelCardPath, encoding: .utf8)
        XCTAssertTrue(card.contains(options.command))
        XCTAssertTrue(card.contains(String(format: "%.4f", student.bitsPerByte)))
        XCTAssertTrue(card.contains(String(format: "%.4f", report.teachers[0].bitsPerByte!)))
        XCTAssertTrue(card.contains("`ce` baseline"))
        // line completion for the teacher and both int8 students, in the report and the card
        let teacherLines = try XCTUnwrap(report.teachers[0].lineCompletion)
        XCTAssertGreaterThan(teacherLines.lines, 10)
        XCTAssertEqual(student.lineCompletion?.lines, teacherLines.lines)
        XCTAssertEqual(baseline.lineCompletion?.lines, teacherLines.lines)
        XCTAssertNil(report.student.float32?.lineCompletion)
        XCTAssertTrue(card.contains("| line exact match | line edit similarity |"), card)
        XCTAssertTrue(card.contains(String(format: "%.1f%% | %.3f |", student.lineCompletion!.exactMatch * 100,
                                           student.lineCompletion!.editSimilarity)), card)
        XCTAssertFalse(card.contains("Gemma"), "a non-Gemma teacher carries no Gemma notice")
        XCTAssertTrue(events.contains { if case .wrote(let path) = $0 { path == options.modelCardPath } else { false } })

        // the same command again reuses the cache and the finished training, and writes the same student
        let before = try Data(contentsOf: URL(fileURLWithPath: options.studentPath))
        var reused = false
        let again = try DistillationPipeline(options: options) { event in
            if case .teacherCache(.progress(let p)) = event, p.reusedShards == p.shards { reused = true }
        }.run()
        XCTAssertTrue(reused)
        XCTAssertEqual(again.student.int8, report.student.int8)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: options.studentPath)), before)
    }

    /// The card's training section names teacher targets only for a student that had them: a `ce` student
    /// learned from the text alone, so its alpha, temperature and top-k would describe nothing.
    func testCardDescribesTheLossTheStudentHad() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        var options = try options(folder, steps: 2)
        options.evaluateTeachers = false
        _ = try DistillationPipeline(options: options) { _ in }.run()
        let kl = try String(contentsOfFile: options.modelCardPath, encoding: .utf8)
        XCTAssertTrue(kl.contains("- loss kl, alpha 0.9, temperature 1.0; top-8 teacher targets, sequences of 32 tokens"), kl)

        options.loss = DistillationLoss(kind: .ce)
        options.output = folder.file("ce/student.gguf")
        options.workDirectory = folder.file("ce/student.work")
        _ = try DistillationPipeline(options: options) { _ in }.run()
        let ce = try String(contentsOfFile: options.modelCardPath, encoding: .utf8)
        XCTAssertTrue(ce.contains("- loss ce: cross-entropy on the text alone, no teacher targets, sequences of 32 tokens"), ce)
        XCTAssertFalse(ce.contains("alpha"), ce)
        XCTAssertFalse(ce.contains("teacher targets;"), ce)
    }

    /// Without teacher evaluation the students' own numbers are those of a run with it (the same student,
    /// reused from the finished training), and nothing that needs the teacher is reported.
    func testStudentsAloneMeasureAsTheyDoBesideTheTeacher() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        var options = try options(folder, steps: 8)
        options.lineCompletionLines = 20
        options.evaluateTeachers = false
        let alone = try DistillationPipeline(options: options) { _ in }.run()
        let card = try String(contentsOfFile: options.modelCardPath, encoding: .utf8)
        let keys = try GGUFFile(path: options.studentPath).metadata
        options.evaluateTeachers = true
        let beside = try DistillationPipeline(options: options) { _ in }.run()

        let student = try XCTUnwrap(alone.student.int8), reference = try XCTUnwrap(beside.student.int8)
        XCTAssertEqual(student.bitsPerByte, reference.bitsPerByte)
        XCTAssertEqual(alone.student.float32?.bitsPerByte, beside.student.float32?.bitsPerByte)
        XCTAssertEqual(student.lineCompletion, reference.lineCompletion)
        XCTAssertEqual(student.lineCompletion?.lines, 20)
        XCTAssertEqual(alone.heldOutTokens, beside.heldOutTokens)
        XCTAssertGreaterThan(alone.heldOutTokens, 0)
        XCTAssertNil(alone.teachers[0].bitsPerByte)
        XCTAssertNil(alone.teachers[0].lineCompletion)
        XCTAssertNil(alone.teacherMassOutsideVocabulary)
        XCTAssertNil(student.top1Agreement)
        XCTAssertNotNil(reference.top1Agreement)
        XCTAssertNotNil(beside.teachers[0].bitsPerByte)

        XCTAssertEqual(keys["distillery.eval.bits_per_byte"]?.double, student.bitsPerByte)
        XCTAssertNil(keys["distillery.eval.teacher_bits_per_byte"])
        XCTAssertNil(keys["distillery.eval.top1_agreement"])
        XCTAssertTrue(card.contains(String(format: "%.4f", student.bitsPerByte)), card)
        XCTAssertTrue(card.contains("`--no-teacher-eval`"), card)
    }

    /// A kill between two training steps leaves the last checkpoint; the same command then continues from
    /// it and ends with the same weights as a run that was never stopped.
    func testTrainingResumesFromTheLastCheckpointToTheSameStudent() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        var options = try options(folder, steps: 24)
        options.checkpointSeconds = 0
        let checkpoint = (options.workDirectory as NSString).appendingPathComponent("student.ckpt")
        let snapshot = folder.file("at-step-10.ckpt")
        _ = try DistillationPipeline(options: options) { event in
            // the checkpoint of step 10 is on disk when step 11 is reported
            if case .training(_, let p) = event, p.step == 11 {
                try? FileManager.default.copyItem(atPath: checkpoint, toPath: snapshot)
            }
        }.run()
        let uninterrupted = try Data(contentsOf: URL(fileURLWithPath: options.studentPath))

        try FileManager.default.removeItem(atPath: checkpoint)
        try FileManager.default.moveItem(atPath: snapshot, toPath: checkpoint)
        try FileManager.default.removeItem(atPath: options.studentPath)
        var resumedAt: Int?
        _ = try DistillationPipeline(options: options) { event in
            if case .trainingStarted(_, _, let step, _) = event { resumedAt = step }
        }.run()
        XCTAssertEqual(resumedAt, 10)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: options.studentPath)), uninterrupted)

        // a checkpoint of another run is refused, not silently continued: other settings, or other data
        var otherSettings = options
        otherSettings.learningRate = 1e-3
        XCTAssertThrowsError(try DistillationPipeline(options: otherSettings).run()) { error in
            guard case DistillError.checkpointMismatch(let path, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, checkpoint)
        }
        try folder.write("def added(): pass\n" + SyntheticCorpus.documents(count: 1, seed: 9)[0], to: "data/added.py")
        XCTAssertThrowsError(try DistillationPipeline(options: options).run()) { error in
            guard case DistillError.checkpointMismatch(let path, let reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, options.workDirectory)
            XCTAssertTrue(reason.contains("other training data"), reason)
        }
    }

    /// One teacher cache serves students of other shapes that share the vocabulary, and refuses a student of
    /// another vocabulary without touching the shards.
    func testStudentsOfOneVocabularyShareATeacherCache() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        var first = try options(folder, steps: 4)
        first.teacherCacheDirectory = folder.file("shared-cache")
        first.lineCompletionLines = 0
        _ = try DistillationPipeline(options: first).run()
        let shard = TeacherCache.shardPath(folder.file("shared-cache"), 0)
        let written = try Data(contentsOf: URL(fileURLWithPath: shard))
        XCTAssertFalse(FileManager.default.fileExists(atPath: (first.workDirectory as NSString).appendingPathComponent("teacher-cache")))

        var wider = first
        wider.output = folder.file("out/wider")
        wider.workDirectory = folder.file("out/wider.work")
        wider.student = StudentShape(embeddingLength: 64, layerCount: 2, headCount: 2, feedForwardLength: 128)
        var progress: [TeacherPassProgress] = []
        _ = try DistillationPipeline(options: wider) { if case .teacherCache(.progress(let p)) = $0 { progress.append(p) } }.run()
        XCTAssertEqual(progress.last.map { $0.reusedShards == $0.shards && $0.tokensPerSecond == 0 }, true,
                       "every shard reused, none computed")

        var otherVocabulary = wider
        otherVocabulary.vocabularySize = 300
        otherVocabulary.workDirectory = folder.file("out/other.work")
        XCTAssertThrowsError(try DistillationPipeline(options: otherVocabulary).run()) { error in
            guard case DistillError.cacheMismatch(_, let field, _, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(field, "vocabulary sha256")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: shard)), written)
    }

    /// The first steps are timed and the budget becomes a step count; the baseline trains as many steps.
    func testATimeBudgetBecomesStepsAndTheBaselineTrainsAsMany() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        var options = try options(folder)
        options.budget = .seconds(1)
        options.baseline = true
        var planned: [String: Int] = [:]
        let report = try DistillationPipeline(options: options) { event in
            if case .trainingPlanned(let run, let total, _) = event { planned[run] = total }
        }.run()
        let steps = try XCTUnwrap(planned["student"])
        XCTAssertNil(planned["baseline"], "the baseline is given the student's steps, not a budget of its own")
        XCTAssertGreaterThan(steps, 4, "more steps than the calibration")
        XCTAssertEqual(report.student.steps, steps)
        XCTAssertEqual(report.baseline?.steps, steps)
        XCTAssertEqual(report.baseline?.tokens, report.student.tokens)
    }

    func testAnEnsembleOfTeachersSharingAVocabularyIsMixedByWeight() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        var options = try options(folder, steps: 10)
        try SyntheticTeacher.write(to: folder.file("teacher/second.gguf"), texts: SyntheticCorpus.documents(count: 40),
                                   seed: 99)
        options.teachers = [TeacherSpec(path: options.teachers[0].path, weight: 1),
                            TeacherSpec(path: folder.file("teacher/second.gguf"), weight: 0.5)]
        let report = try DistillationPipeline(options: options).run()
        XCTAssertEqual(report.teachers.map(\.weight), [1, 0.5])
        XCTAssertNotEqual(report.teachers[0].sha256, report.teachers[1].sha256)
        XCTAssertTrue(report.teachers.allSatisfy { $0.bitsPerByte?.isFinite == true })
        let shard = try CacheShard.read(TeacherCache.shardPath(
            (options.workDirectory as NSString).appendingPathComponent("teacher-cache"), 0))
        XCTAssertEqual(shard.header.identity.teachers, report.teachers.map(\.sha256))
        XCTAssertEqual(shard.sequence(0).teachers.count, 2)
        let file = try GGUFFile(path: options.studentPath)
        XCTAssertEqual(file.metadata["distillery.teacher.sha256"]?.string, report.teachers.map(\.sha256).joined(separator: ","))
        XCTAssertEqual(file.metadata["distillery.teacher.weights"]?.string, "1.0,0.5")
    }

    func testAGemmaTeacherMakesTheStudentCarryTheGemmaTerms() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        var options = try options(folder, steps: 3)
        try SyntheticTeacher.write(to: options.teachers[0].path, texts: SyntheticCorpus.documents(count: 40),
                                   license: "gemma")
        try folder.write("<html>Gemma Terms of Use</html>", to: "teacher/GEMMA_TERMS.html")
        options.baseline = true
        let report = try DistillationPipeline(options: options).run()
        XCTAssertTrue(report.teachers[0].isGemma)
        for path in [options.studentPath, options.baselinePath] {
            let keys = try GGUFFile(path: path).metadata
            XCTAssertEqual(keys["general.license"]?.string, "gemma")
            XCTAssertEqual(keys["distillery.notice"]?.string, Provenance.gemmaNotice)
        }
        let card = try String(contentsOfFile: options.modelCardPath, encoding: .utf8)
        XCTAssertTrue(card.contains("Model Derivative under the Gemma Terms of Use"), card)
        XCTAssertTrue(card.contains("`student-GEMMA_TERMS.html`"), card)
        XCTAssertEqual(try String(contentsOfFile: folder.file("out/student-GEMMA_TERMS.html"), encoding: .utf8),
                       "<html>Gemma Terms of Use</html>")
    }

    func testEnsembleTeachersMustShareAVocabulary() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        var options = try options(folder)
        try SyntheticTeacher.write(to: folder.file("teacher/other.gguf"), texts: ["something else entirely\n"])
        options.teachers.append(TeacherSpec(path: folder.file("teacher/other.gguf"), weight: 0.5))
        XCTAssertThrowsError(try DistillationPipeline(options: options).run()) { error in
            guard case DistillError.teachersDisagree = error else { return XCTFail("\(error)") }
        }
    }

    func testTeacherArgumentsCarryOptionalWeights() throws {
        XCTAssertEqual(try TeacherSpec(argument: "a.gguf"), TeacherSpec(path: "a.gguf", weight: 1))
        XCTAssertEqual(try TeacherSpec(argument: "a.gguf:0.25"), TeacherSpec(path: "a.gguf", weight: 0.25))
        XCTAssertEqual(try TeacherSpec(argument: "C:dir/a.gguf"), TeacherSpec(path: "C:dir/a.gguf", weight: 1))
        XCTAssertThrowsError(try TeacherSpec(argument: "a.gguf:-1"))
    }
}
