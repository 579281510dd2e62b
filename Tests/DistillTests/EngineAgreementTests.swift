import Distill
import Engine
import GGUF
import Tensors
import XCTest

/// The trainer's forward against the Engine's reference Llama (itself checked against llama.cpp) on the
/// same weights, written as a llama GGUF straight from the training layout: RoPE pairing, GQA grouping,
/// norm placement and the [out, in] weight layout must all agree for students to run in llama.cpp.
final class EngineAgreementTests: XCTestCase {
    func testUntiedStudentMatchesTheEngine() throws { try compare(tied: false) }
    func testTiedStudentMatchesTheEngine() throws { try compare(tied: true) }

    /// A gemma3 student with a local layer whose window (5) is shorter than the 12 tokens, a global layer,
    /// per-head norms whose weights are not 1, and a head size other than C / NH.
    func testGemma3StudentMatchesTheEngine() throws {
        let config = TrainingModelConfig(
            architecture: .gemma3, vocabularySize: 64, embeddingLength: 32, layerCount: 3, headCount: 2, kvHeadCount: 1,
            headSize: 24, feedForwardLength: 64, contextLength: 16, rmsNormEpsilon: 1e-6, ropeFrequencyBase: 1e6,
            localRopeBase: 1e4, slidingWindow: 5, localLayers: [true, false, true], tiedEmbeddings: true)
        try compare(config)
    }

    private func compare(tied: Bool) throws {
        try compare(TrainingModelConfig(
            vocabularySize: 64, embeddingLength: 32, layerCount: 2, headCount: 4, kvHeadCount: 2, feedForwardLength: 48,
            contextLength: 16, rmsNormEpsilon: 1e-5, ropeFrequencyBase: 10_000, tiedEmbeddings: tied))
    }

    private func compare(_ config: TrainingModelConfig) throws {
        let model = try TrainingModel(config: config, seed: 3, standardDeviation: 0.2)
        var rng = SeededRandom(seed: 9)
        for tensor in model.layout.tensors where tensor.rows == 1 {  // norms away from 1, so their placement matters
            for i in 0..<tensor.count { model.parameters[tensor.offset + i] = 1 + 0.3 * rng.nextNormal() }
        }
        let engine = try loadReferenceModel(file: GGUFFile(mapped: MappedFile(contents: gguf(model).serialized())))
        let tokens: [Int32] = [1, 17, 42, 5, 63, 0, 9, 9, 30, 2, 51, 12]
        let expected = try forward(engine, tokens)
        let actual = try model.logits(tokens: tokens, batchSize: 1, sequenceLength: tokens.count)
        XCTAssertEqual(actual.count, expected.count)
        let scale = expected.map(abs).max()!
        let worst = zip(actual, expected).map { abs($0 - $1) }.max()!
        XCTAssertGreaterThan(scale, 0.1, "logits are not trivially small")
        XCTAssertLessThan(worst, 1e-4 * max(1, scale), "largest logit difference \(worst) (logits up to \(scale))")
    }

    private func forward<M: LanguageModel>(_ engine: M, _ tokens: [Int32]) throws -> [Float] {
        try engine.forward(tokens: tokens, startPosition: 0, state: engine.makeState(), logits: .allTokens)
    }

    private func gguf(_ model: TrainingModel) throws -> GGUFWriter {
        try StudentGGUF.writer(model: model, vocabulary: nil, weightType: .f32, name: "agreement")
    }
}
