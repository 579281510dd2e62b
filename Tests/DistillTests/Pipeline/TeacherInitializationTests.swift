import Engine
import Foundation
import GGUF
import XCTest
@testable import Distill

/// `--init teacher`: a student cut from its teacher's own weights (kept layers with their roles, heads, FFN
/// channels and embedding width chosen by measured importance), trained, written as gemma3 and run by the Engine.
final class TeacherInitializationTests: XCTestCase {
    /// A 4-layer gemma3 teacher: layers 0, 1 and 3 local (window 8), 2 global; 4 heads of 32 over 1 KV head.
    static func gemmaShape(vocabularySize: Int) -> TrainingModelConfig {
        TrainingModelConfig(
            architecture: .gemma3, vocabularySize: vocabularySize, embeddingLength: 64, layerCount: 4, headCount: 4,
            kvHeadCount: 1, headSize: 32, feedForwardLength: 128, contextLength: 512, rmsNormEpsilon: 1e-6,
            ropeFrequencyBase: 1e6, localRopeBase: 1e4, slidingWindow: 8, localLayers: [true, true, false, true],
            tiedEmbeddings: true)
    }

    /// A corpus and the 4-layer gemma3 teacher in `folder`, and options that read them.
    static func gemmaTeacherOptions(_ folder: TemporaryFolder) throws -> DistillationOptions {
        let texts = SyntheticCorpus.documents(count: 30)
        for (i, text) in texts.enumerated() { try folder.write(text, to: "data/module_\(i).py") }
        try SyntheticTeacher.write(to: folder.file("teacher.gguf"), texts: texts, shape: gemmaShape)
        var options = DistillationOptions(
            teachers: [TeacherSpec(path: folder.file("teacher.gguf"))],
            corpus: CorpusOptions(inputs: [folder.file("data")], filter: FileFilter(include: ["*.py"]), evalFraction: 0.15),
            output: folder.file("out/student"))
        options.vocabularySize = 300
        return options
    }

    func testATeacherInitializedGemmaStudentIsPrunedTrainedWrittenAndRunByTheEngine() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        var options = try Self.gemmaTeacherOptions(folder)
        options.topK = 8
        options.sequenceLength = 24
        options.initialization = .teacher(TeacherPruning(keepLayers: [0, 2], heads: 2, feedForwardLength: 64,
                                                         embeddingLength: 32))
        options.baseline = true
        options.baselineInitialization = .random
        options.budget = .steps(3)
        options.batchTokens = 96
        options.sequencesPerShard = 8
        var events: [PipelineEvent] = []
        let report = try DistillationPipeline(options: options) { events.append($0) }.run()

        let pruning = try XCTUnwrap(report.pruning)
        XCTAssertEqual(pruning.plan.layers, [0, 2])
        XCTAssertEqual(pruning.teacherLayers, 4)
        XCTAssertEqual(pruning.blockInfluence.count, 4)
        let pruned = try XCTUnwrap(pruning.prunedBitsPerByte)
        XCTAssertTrue(pruned.isFinite && pruned > 0)
        XCTAssertTrue(events.contains { if case .pruned = $0 { true } else { false } })
        XCTAssertEqual(report.student.initialization, "teacher")
        XCTAssertEqual(report.baseline?.initialization, "random")
        let m = report.student.model
        XCTAssertEqual([m.layerCount, m.headCount, m.kvHeadCount, m.headSize, m.feedForwardLength, m.embeddingLength],
                       [2, 2, 1, 32, 64, 32])
        XCTAssertEqual(m.localLayers, [true, false], "each kept layer keeps its role")

        let file = try GGUFFile(path: options.studentPath)
        XCTAssertEqual(file.architecture, "gemma3")
        XCTAssertEqual(file.metadata["gemma3.attention.sliding_window_pattern"]?.array?.compactMap(\.bool), [true, false])
        XCTAssertEqual(file.metadata["gemma3.rope.freq_base_swa"]?.double, 1e4)
        XCTAssertEqual(file.metadata["gemma3.attention.key_length"]?.int, 32)
        XCTAssertEqual(file.metadata["distillery.init"]?.string, "teacher")
        XCTAssertEqual(file.metadata["distillery.init.kept_layers"]?.array?.compactMap(\.int), [0, 2])
        XCTAssertEqual(file.metadata["distillery.eval.pruned_bits_per_byte"]?.double, pruned)
        XCTAssertEqual(file.tensor(named: "blk.1.ffn_gate.weight")?.shape, [32, 64])
        XCTAssertEqual(file.tensor(named: "blk.1.attn_q.weight")?.shape, [32, 64])
        XCTAssertEqual(file.tensor(named: "blk.1.attn_q.weight")?.type, .q8_0)
        XCTAssertNil(file.tensor(named: "output.weight"), "tied, as the teacher")
        XCTAssertEqual(try GGUFFile(path: options.baselinePath).metadata["distillery.init"]?.string, "random")

        let engine = try loadReferenceModel(file: file)
        XCTAssertEqual(engine.config.architecture, .gemma3)
        XCTAssertEqual((0..<2).map(engine.config.isSlidingWindowLayer), [true, false])
        let bits = try XCTUnwrap(report.student.float32?.bitsPerByte)
        XCTAssertTrue(bits.isFinite && bits > 0)
        let card = try String(contentsOfFile: options.modelCardPath, encoding: .utf8)
        XCTAssertTrue(card.contains("kept layers 0, 2 of 4"), card)
        XCTAssertTrue(card.contains("before training"), card)
    }

    /// `--steps 0`: the teacher with only its vocabulary trimmed, written as it is. Its bits per byte are
    /// those measured as pruned, and no teacher targets are computed for it.
    func testZeroStepsWritesThePrunedTeacherUntrained() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        var options = try Self.gemmaTeacherOptions(folder)
        options.sequenceLength = 24
        options.initialization = .teacher(TeacherPruning())
        options.budget = .steps(0)
        options.lineCompletionLines = 0
        let report = try DistillationPipeline(options: options) { _ in }.run()

        XCTAssertEqual(report.student.steps, 0)
        XCTAssertEqual(report.student.tokens, 0)
        let m = report.student.model
        XCTAssertEqual([m.layerCount, m.headCount, m.feedForwardLength, m.embeddingLength], [4, 4, 128, 64])
        XCTAssertEqual(m.vocabularySize, report.vocabulary.size)
        let pruned = try XCTUnwrap(report.pruning?.prunedBitsPerByte)
        XCTAssertEqual(try XCTUnwrap(report.student.float32?.bitsPerByte), pruned, accuracy: 1e-9)
        XCTAssertFalse(FileManager.default.fileExists(atPath: options.workDirectory + "/teacher-cache"))
        XCTAssertEqual(try GGUFFile(path: options.studentPath).metadata["distillery.steps"]?.int, 0)
    }

    /// A pruned channel or head that contributed nothing leaves the function exactly as it was; a layer that
    /// is a pure skip has block influence 0 and is the first `--layers` drops.
    func testPruningRemovesWhatContributesNothingWithoutChangingTheFunction() throws {
        let config = Self.gemmaShape(vocabularySize: 50)
        let model = try TrainingModel(config: config, seed: 5, standardDeviation: 0.3)
        let HS = config.headSize, F = config.feedForwardLength
        func zero(_ name: String, rows: Range<Int>? = nil, columns: Range<Int>? = nil) {
            let t = model.layout.tensor(named: name)!
            for r in rows ?? 0..<t.rows { for c in columns ?? 0..<t.columns { model.parameters[t.offset + r * t.columns + c] = 0 } }
        }
        // layer 1 is a pure skip: its branches end in zero projections
        zero("blk.1.attn_output.weight")
        zero("blk.1.ffn_down.weight")
        // in every layer, head 3 and FFN channels 96..<128 feed nothing onward
        for l in 0..<4 {
            zero("blk.\(l).attn_output.weight", columns: (3 * HS)..<(4 * HS))
            zero("blk.\(l).ffn_down.weight", columns: 96..<F)
        }
        let tokens: [Int32] = [2, 7, 19, 3, 44, 12, 9, 30, 1, 5, 8, 13]
        var scores = try ImportanceScores.measure(model, sequences: [tokens])
        XCTAssertEqual(scores.blockInfluence[1], 0, accuracy: 1e-6)
        XCTAssertTrue(scores.blockInfluence.enumerated().allSatisfy { $0.offset == 1 || $0.element > 1e-3 })
        XCTAssertEqual(try TeacherPruning(layerCount: 3).plan(teacherLayers: 4, scores: scores).layers, [0, 2, 3])
        // head 3's output is not zero (only its projection is), so mark it least important by hand
        for l in 0..<4 { scores.heads[l][3] = -1 }
        XCTAssertTrue(scores.ffnChannels[0][96..<F].allSatisfy { $0 >= 0 })
        for l in 0..<4 { for f in 96..<F { scores.ffnChannels[l][f] = -1 } }

        let plan = PruningPlan(layers: [0, 2, 3], heads: 3, feedForwardLength: 96)
        let pruned = try Pruning.apply(plan, to: model, scores: scores)
        XCTAssertEqual(pruned.config.localLayers, [true, false, true])
        let expected = try model.logits(tokens: tokens, batchSize: 1, sequenceLength: tokens.count)
        let actual = try pruned.logits(tokens: tokens, batchSize: 1, sequenceLength: tokens.count)
        let worst = zip(expected, actual).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(worst, 1e-4, "pruning what contributes nothing changed the logits by \(worst)")

        let narrow = try Pruning.apply(PruningPlan(layers: [0], embeddingLength: 32), to: model, scores: scores)
        XCTAssertEqual(narrow.config.embeddingLength, 32)
        XCTAssertEqual(narrow.weights(named: "blk.0.attn_q.weight")?.count, 4 * HS * 32)
        XCTAssertEqual(narrow.weights(named: "token_embd.weight")?.count, 50 * 32)
    }

    func testBadPruningPlansAreRefusedWithTheReason() throws {
        let config = Self.gemmaShape(vocabularySize: 50)
        for (plan, message) in [
            (PruningPlan(layers: []), "at least one layer"),
            (PruningPlan(layers: [2, 1]), "ascending"),
            (PruningPlan(layers: [0, 4]), "layers 0-3"),
            (PruningPlan(layers: [0], heads: 5), "--heads 5"),
            (PruningPlan(layers: [0], feedForwardLength: 100), "--ffn 100"),
            (PruningPlan(layers: [0], embeddingLength: 128), "--dim 128"),
        ] {
            XCTAssertThrowsError(try Pruning.validate(plan, config)) { error in
                XCTAssertTrue("\(error)".contains(message), "\(error)")
            }
        }
        var llama = config
        llama.architecture = .llama
        XCTAssertThrowsError(try Pruning.validate(PruningPlan(layers: [0], heads: 2), llama)) { error in
            XCTAssertTrue("\(error)".contains("gemma3 teachers only"), "\(error)")
        }
    }
}
