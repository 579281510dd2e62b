import XCTest
import GGUF
@testable import Engine

/// The int8 engine on gemma3 files, against the f32 reference `Gemma3Model`: the log-prob tests the llama
/// student has (`Int8ReferenceTests`, `Int8BatchingTests`), on a random gemma3 student whose local layers
/// slide a window of 4 over prompts of 24 tokens, and on the teacher's own layers.
final class Int8Gemma3Tests: XCTestCase {
    /// local, global, local: both RoPE bases, both attention spans
    static let roles = [true, false, true]
    static let models = Result { try TinyGemma3.models(localLayers: roles, window: 4) }
    static let q8_0 = Result { try TinyGemma3.models(localLayers: roles, window: 4, activations: .q8_0).int8 }
    let prompt: [Int32] = [2, 17, 5, 40, 33, 8, 21, 47, 3, 12, 30, 9, 88, 61, 70, 14, 2, 95, 36, 51, 27, 6, 80, 44]

    func testTheFileDecidesTheArchitecture() throws {
        let (model, _) = try Self.models.get()
        XCTAssertEqual(model.config.architecture, .gemma3)
        XCTAssertEqual((0..<3).map(model.config.attentionWindow), [4, nil, 4])
        XCTAssertEqual(model.gate, .geluTanh)
        XCTAssertNotNil(model.layers[0].queryNorm)
        XCTAssertNotNil(model.layers[0].postFFNNorm)
        XCTAssert(model.head === model.embedding, "tied output")
        XCTAssertEqual(model.config.embeddingScale, 8)
        XCTAssertEqual(Fixtures.int8Student.gate, .silu)
        XCTAssertNil(Fixtures.int8Student.layers[0].queryNorm)
        XCTAssertNil(Fixtures.int8Student.layers[0].postAttentionNorm)
    }

    /// Every position's next-token log-probs, most of them past the window: within 0.05 of f32 over the
    /// reference's top 10, the same top-1, KL under 0.001 nats (the llama student's bounds).
    func testLogprobsStayWithin005OfTheFloat32ReferenceBeyondTheWindow() throws {
        let (model, f32) = try Self.models.get()
        let ours = try allLogprobs(model, prompt), reference = try allLogprobs(f32, prompt)
        let V = model.config.vocabularySize
        for t in prompt.indices {
            let row = Array(ours[t * V..<(t + 1) * V]), expected = Array(reference[t * V..<(t + 1) * V])
            let top10 = expected.indices.sorted { expected[$0] > expected[$1] }.prefix(10)
            XCTAssertLessThan(top10.map { abs(row[$0] - expected[$0]) }.max()!, 0.05, "position \(t)")
            let divergence = zip(expected, row).reduce(0.0) { $0 + Double(exp($1.0)) * Double($1.0 - $1.1) }
            XCTAssertLessThan(divergence, 0.001, "position \(t): KL to the f32 reference")
            if expected[top10[0]] - expected[top10[1]] > 0.05 {
                XCTAssertEqual(row.indices.max { row[$0] < row[$1] }, top10[0], "position \(t): top-1")
            }
        }
        // with Q8_0 activations on every row (llama.cpp's arithmetic) the log-probs stay in its noise band
        let q8_0 = try allLogprobs(try Self.q8_0.get(), prompt)
        XCTAssertLessThan(maxAbsDifference(q8_0, reference), 0.3)
    }

    /// The window is real: a token that left every local window changes only what the global layer sees,
    /// and with the global layer made local too, nothing at all.
    func testALocalLayerSeesExactlyTheLastWindowPositions() throws {
        let (allLocal, _) = try TinyGemma3.models(localLayers: [true], window: 4)
        func logits(_ tokens: [Int32]) throws -> [Float] {
            try allLocal.forward(tokens: tokens, startPosition: 0, state: allLocal.makeSequenceState(contextLength: 32),
                                 logits: .lastToken)
        }
        let base = try logits(Array(prompt[...12]))
        var outside = Array(prompt[...12])
        outside[8] = 44      // position 8: out of the window of position 12 (9...12)
        XCTAssertEqual(try logits(outside), base)
        var inside = Array(prompt[...12])
        inside[9] = 44
        XCTAssertGreaterThan(maxAbsDifference(try logits(inside), base), 1e-3)
    }

    /// Chunked prefill, token by token and the multi-sequence decode step compute the same bits (what the
    /// server's prompt cache and continuous batching rely on), across the window.
    func testPrefillDecodeAndTheBatchedStepAgreeBitForBit() throws {
        let (model, _) = try Self.models.get()
        let single = model.makeSequenceState(contextLength: 32)
        let expected = try model.forwardTokenByToken(tokens: prompt, startPosition: 0, state: single, logits: .allTokens)
        let chunked = model.makeSequenceState(contextLength: 32)
        var logits: [Float] = []
        for range in [0..<5, 5..<6, 6..<24] {
            logits += try model.forward(tokens: Array(prompt[range]), startPosition: range.lowerBound, state: chunked,
                                        logits: .allTokens)
        }
        XCTAssertEqual(logits, expected)

        // two sequences at different lengths advance together in one step
        let short = model.makeSequenceState(contextLength: 32)
        _ = try model.forward(tokens: Array(prompt[..<7]), startPosition: 0, state: short, logits: .allTokens)
        let shortAlone = model.makeSequenceState(contextLength: 32)
        _ = try model.forwardTokenByToken(tokens: Array(prompt[..<7]), startPosition: 0, state: shortAlone,
                                          logits: .allTokens)
        let batch = model.makeDecodeBatch(capacity: 2)
        let step = try model.decodeStep(tokens: [11, 12], positions: [24, 7], states: [chunked, short], batch: batch)
        XCTAssertEqual(Array(step[..<96]), Array(try model.forward(token: 11, position: 24, state: single)))
        XCTAssertEqual(Array(step[96...]), Array(try model.forward(token: 12, position: 7, state: shortAlone)))
    }

    func testAGemmaFileWithoutItsNormsIsRefused() throws {
        let path = try TinyGemma3.file(localLayers: [true, false], window: 4, drop: ["blk.1.post_ffw_norm.weight"])
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertThrowsError(try Int8TransformerModel(file: GGUFFile(path: path))) {
            XCTAssertEqual($0 as? ModelError, .missingTensor("blk.1.post_ffw_norm.weight"))
        }
    }

    /// The teacher's own layers (Q4_K and Q6_K requantized to Q8_0 at load) on the int8 engine: the same
    /// predictions as the f32 teacher within 8-bit rounding, as the teacher's distillation path is held to
    /// (`Gemma3Int8Tests`).
    func testTheTeachersLayersStayWithinEightBitRoundingOfFloat32() throws {
        let model = try Self.teacher.get()
        let f32 = try Teacher.load()
        for testCase in try Teacher.reference().next_token {
            let prompt = testCase.prompt_ids_with_bos
            let ours = try nextTokenLogprobs(model, prompt), reference = try nextTokenLogprobs(f32, prompt)
            for expected in testCase.top_logprobs.prefix(10) {
                let id = Int(expected.id)
                XCTAssertEqual(ours[id], reference[id], accuracy: 0.3, "\(testCase.prompt.debugDescription) vs f32")
            }
            let top = reference.indices.sorted { reference[$0] > reference[$1] }
            if reference[top[0]] - reference[top[1]] > 0.5 {
                XCTAssertEqual(ours.indices.max { ours[$0] < ours[$1] }, top[0], testCase.prompt.debugDescription)
            }
        }
    }

    /// The teacher's 4 query heads share one KV head, so past 16 positions a decode step on two threads splits
    /// its attention by query head, each thread taking a part of the group: the same bits as prefill.
    func testDecodeAttentionSplitByQueryHeadComputesWhatPrefillDoes() throws {
        let model = try Self.teacher.get()
        XCTAssertEqual(model.config.kvHeadCount, 1)
        XCTAssertEqual(model.config.headCount, 4)
        let prompt = (0..<24).map { Int32(2 + 37 * $0) }
        let prefill = try model.forward(tokens: prompt, startPosition: 0, state: model.makeSequenceState(contextLength: 32),
                                        logits: .allTokens)
        let decoded = try model.forwardTokenByToken(tokens: prompt, startPosition: 0,
                                                    state: model.makeSequenceState(contextLength: 32), logits: .allTokens)
        XCTAssertEqual(decoded, prefill)
    }

    /// The teacher on the int8 engine on two threads (Q4_K and Q6_K requantized to Q8_0 at load).
    static let teacher = Result { try Int8TransformerModel(file: GGUFFile(path: Teacher.path), quantize: true, threads: 2) }

    /// Log-probabilities (T, V) of every position of `prompt`.
    private func allLogprobs<Model: LanguageModel>(_ model: Model, _ prompt: [Int32]) throws -> [Float] {
        let V = model.config.vocabularySize
        var logits = try model.forward(tokens: prompt, startPosition: 0, state: model.makeState(contextLength: 32),
                                       logits: .allTokens)
        for t in prompt.indices {
            let lse = logits[t * V..<(t + 1) * V].withUnsafeBufferPointer { LogProbabilities.logSumExp($0) }
            for i in t * V..<(t + 1) * V { logits[i] -= lse }
        }
        return logits
    }
}
