import Engine
import GGUF
import XCTest
import Distill

/// The trainer's forward against the Engine's reference Llama (itself checked against llama.cpp) on the
/// same weights, written as a llama GGUF straight from the training layout: RoPE pairing, GQA grouping,
/// norm placement and the [out, in] weight layout must all agree for students to run in llama.cpp.
final class EngineAgreementTests: XCTestCase {
    func testUntiedStudentMatchesTheEngine() throws { try compare(tied: false) }
    func testTiedStudentMatchesTheEngine() throws { try compare(tied: true) }

    private func compare(tied: Bool) throws {
        let config = TrainingModelConfig(
            vocabularySize: 64, embeddingLength: 32, layerCount: 2, headCount: 4, kvHeadCount: 2, feedForwardLength: 48,
            contextLength: 16, rmsNormEpsilon: 1e-5, ropeFrequencyBase: 10_000, tiedEmbeddings: tied)
        let model = try TrainingModel(config: config, seed: 3, standardDeviation: 0.2)
        let engine = try LlamaModel(file: GGUFFile(mapped: MappedFile(contents: gguf(model).serialized())))
        let tokens: [Int32] = [1, 17, 42, 5, 63, 0, 9, 9, 30, 2, 51, 12]
        let expected = try engine.forward(tokens: tokens, startPosition: 0, state: engine.makeState(),
                                          logits: .allTokens)
        let actual = try model.logits(tokens: tokens, batchSize: 1, sequenceLength: tokens.count)
        XCTAssertEqual(actual.count, expected.count)
        let scale = expected.map(abs).max()!
        let worst = zip(actual, expected).map { abs($0 - $1) }.max()!
        XCTAssertGreaterThan(scale, 0.1, "logits are not trivially small")
        XCTAssertLessThan(worst, 1e-4 * max(1, scale), "largest logit difference \(worst) (logits up to \(scale))")
    }

    private func gguf(_ model: TrainingModel) throws -> GGUFWriter {
        let c = model.config
        var writer = GGUFWriter()
        writer.set("general.architecture", .string("llama"))
        writer.set("llama.context_length", .uint32(UInt32(c.contextLength)))
        writer.set("llama.embedding_length", .uint32(UInt32(c.embeddingLength)))
        writer.set("llama.block_count", .uint32(UInt32(c.layerCount)))
        writer.set("llama.feed_forward_length", .uint32(UInt32(c.feedForwardLength)))
        writer.set("llama.attention.head_count", .uint32(UInt32(c.headCount)))
        writer.set("llama.attention.head_count_kv", .uint32(UInt32(c.kvHeadCount)))
        writer.set("llama.attention.layer_norm_rms_epsilon", .float32(c.rmsNormEpsilon))
        writer.set("llama.rope.freq_base", .float32(c.ropeFrequencyBase))
        for tensor in model.layout.tensors {
            try writer.addTensor(name: tensor.name, shape: tensor.ggufShape, floats: model.weights(named: tensor.name)!)
        }
        return writer
    }
}
