import XCTest
import GGUF
import Engine

/// The Gemma 3 teacher against llama.cpp's outputs for gemma-3-270m-q4_k_m.gguf.
///
/// llama.cpp quantizes every activation to Q8_0/Q8_K before its weight products, and Gemma's outlier channels
/// make that coarse and chaotic: one flipped rounding moves the top-10 log-probs by tenths of a nat. So
/// - `Numerics.ggml` (llama.cpp's arithmetic, operation for operation) must give llama.cpp's log-probs to 1e-3 and
///   its greedy ids, when the prompt is batched as llama-server batched it (see `prefillLikeLlamaServer`);
/// - the f32 reference must agree on the top token, stay within 0.4 on the top 10, and follow llama.cpp's greedy
///   continuations except at near-ties.
final class Gemma3ReferenceTests: XCTestCase {
    static let ggmlModel = Result { try Gemma3Model(file: GGUFFile(path: Teacher.path), numerics: .ggml) }

    /// The prompt in the pieces llama-server prefills it in (`LlamaServerBatching`): batch sizes decide which of
    /// llama.cpp's kernels run, so the pieces matter to the last bit.
    static func prefillLikeLlamaServer(_ prompt: [Int32]) -> [[Int32]] {
        let cuts = LlamaServerBatching.promptCuts(promptLength: prompt.count, config: try! ggmlModel.get().config)
        return zip([0] + cuts, cuts + [prompt.count]).map { Array(prompt[$0..<$1]) }
    }

    func testGGMLNumericsReproduceLlamaCpp() throws {
        let model = try Self.ggmlModel.get()
        for testCase in try Teacher.reference().next_token {
            let state = model.makeState(contextLength: 64)
            var start = 0, logits: [Float] = []
            for piece in Self.prefillLikeLlamaServer(testCase.prompt_ids_with_bos) {
                logits = try model.forward(tokens: piece, startPosition: start, state: state, logits: .lastToken)
                start += piece.count
            }
            let top = logits.withUnsafeBufferPointer { LogProbabilities.top(20, in: $0) }
            assertTopLogprobsMatch(top, testCase.top_logprobs, count: 20, tolerance: 1e-3, testCase.prompt.debugDescription)
        }
    }

    func testGGMLNumericsReproduceLlamaCppGreedyIds() throws {
        let model = try Self.ggmlModel.get()
        let reference = try Teacher.reference()
        for expected in reference.greedy {
            let prompt = try XCTUnwrap(reference.next_token.first { $0.prompt == expected.prompt }).prompt_ids_with_bos
            XCTAssertEqual(try greedyIDs(model, prefill: Self.prefillLikeLlamaServer(prompt), count: expected.n),
                           expected.ids, expected.prompt.debugDescription)
        }
    }

    func testLlamaServerPrefillPieces() {
        XCTAssertEqual(Self.prefillLikeLlamaServer([1, 2, 3]), [[1, 2, 3]])
        XCTAssertEqual(Self.prefillLikeLlamaServer([1, 2, 3, 4, 5, 6]), [[1, 2], [3, 4, 5, 6]])
        let long = (0..<600).map(Int32.init)
        XCTAssertEqual(Self.prefillLikeLlamaServer(long).map(\.count), [84, 512, 4])
    }

    func testConfigIsReadFromMetadata() throws {
        let c = try Teacher.load().config
        XCTAssertEqual(c.architecture, .gemma3)
        XCTAssertEqual(c.embeddingLength, 640)
        XCTAssertEqual(c.layerCount, 18)
        XCTAssertEqual(c.headCount, 4)
        XCTAssertEqual(c.kvHeadCount, 1)
        XCTAssertEqual(c.headSize, 256)
        XCTAssertEqual(c.feedForwardLength, 2048)
        XCTAssertEqual(c.vocabularySize, 262_144)
        XCTAssertEqual(c.contextLength, 32_768)
        XCTAssertEqual(c.ropeStyle, .halves)
        XCTAssertEqual(c.ropeBase, 1_000_000)
        XCTAssertEqual(c.localRopeBase, 10_000)
        XCTAssertEqual(c.slidingWindow, 512)
        XCTAssertEqual(c.attentionScale, 1 / 16)
        XCTAssertEqual(c.embeddingScale, Float(640).squareRoot())
        XCTAssertEqual(c.bosTokenID, 2)
        XCTAssertEqual(c.eosTokenID, 1)
        // every sixth layer is global
        XCTAssertEqual((0..<18).filter { !c.isSlidingWindowLayer($0) }, [5, 11, 17])
        XCTAssertEqual(c.attentionWindow(layer: 0), 512)
        XCTAssertNil(c.attentionWindow(layer: 5))
        XCTAssertEqual(c.ropeBase(layer: 4), 10_000)
        XCTAssertEqual(c.ropeBase(layer: 11), 1_000_000)
    }

    func testNextTokenLogprobsAgreeWithLlamaCpp() throws {
        let model = try Teacher.load()
        for testCase in try Teacher.reference().next_token {
            let logits = try model.forward(tokens: testCase.prompt_ids_with_bos, startPosition: 0,
                                           state: model.makeState(contextLength: 64), logits: .lastToken)
            let top = LogProbabilities.top(20, in: logits)
            assertTopLogprobsMatch(top, testCase.top_logprobs, count: 10, tolerance: 0.4, testCase.prompt.debugDescription)
        }
    }

    func testGreedyContinuationsFollowLlamaCppExceptAtNearTies() throws {
        let model = try Teacher.load()
        let reference = try Teacher.reference()
        var fullMatches = 0
        for expected in reference.greedy {
            let prompt = try XCTUnwrap(reference.next_token.first { $0.prompt == expected.prompt }).prompt_ids_with_bos
            var sampler = try Sampler(.greedy)
            var streamed: [GeneratedToken] = []
            try Generator(model: model).generate(
                prompt: prompt, state: model.makeState(contextLength: 64), sampler: &sampler,
                options: GenerationOptions(maxTokens: expected.n, stopTokens: [], topLogprobs: 5)) {
                    streamed.append($0)
                    return .proceed
                }
            XCTAssertEqual(streamed.count, expected.n)
            if let step = streamed.indices.first(where: { streamed[$0].id != expected.ids[$0] }) {
                // llama.cpp's token must be our runner-up by a hair
                let theirs = try XCTUnwrap(streamed[step].topLogprobs.first { $0.id == expected.ids[step] },
                                           "\(expected.prompt.debugDescription) step \(step)")
                XCTAssertLessThan(streamed[step].logprob - theirs.logprob, 0.05,
                                  "\(expected.prompt.debugDescription) step \(step)")
            } else {
                fullMatches += 1
            }
        }
        XCTAssertGreaterThanOrEqual(fullMatches, 3)
    }

    func testBatchedForwardEqualsTokenByToken() throws {
        let model = try Teacher.load()
        let tokens = try Teacher.reference().next_token.map(\.prompt_ids_with_bos).max { $0.count < $1.count }!
        let single = try model.forwardTokenByToken(tokens: tokens, startPosition: 0,
                                                   state: model.makeState(contextLength: 64), logits: .allTokens)
        // two chunks, the second reading the first's keys and values from the cache
        let state = model.makeState(contextLength: 64)
        let split = tokens.count / 2
        let batched = try model.forward(tokens: Array(tokens[..<split]), startPosition: 0, state: state, logits: .allTokens)
            + model.forward(tokens: Array(tokens[split...]), startPosition: split, state: state, logits: .allTokens)
        XCTAssertEqual(batched.count, tokens.count * model.config.vocabularySize)
        XCTAssertLessThan(maxAbsDifference(batched, single), 2e-3)       // logits reach ±37
    }

    func testSubsetLogitsAreRowsOfTheFullLogits() throws {
        let model = try Teacher.load()
        let tokens = try Teacher.reference().next_token[2].prompt_ids_with_bos
        let v = model.config.vocabularySize
        let ids = (0..<8192).map { Int32(($0 * 31 + 7) % v) } + [2, 1, Int32(v - 1)]
        let full = try model.forward(tokens: tokens, startPosition: 0, state: model.makeState(contextLength: 16),
                                     logits: .allTokens)
        let rows = try model.forward(tokens: tokens, startPosition: 0, state: model.makeState(contextLength: 16),
                                     logits: .subset(model.vocabularySubset(ids: ids)))
        XCTAssertEqual(rows.count, tokens.count * ids.count)
        var worst: Float = 0
        for t in 0..<tokens.count {
            for (s, id) in ids.enumerated() { worst = max(worst, abs(rows[t * ids.count + s] - full[t * v + Int(id)])) }
        }
        XCTAssertLessThan(worst, 1e-3)
        // a subset made for the teacher is refused by another model
        XCTAssertThrowsError(try Fixtures.student.forward(tokens: [1], startPosition: 0,
                                                          state: Fixtures.student.makeState(contextLength: 4),
                                                          logits: .subset(model.vocabularySubset(ids: [5])))) {
            guard case .stateMismatch = $0 as? InferenceError else { return XCTFail("\($0)") }
        }
    }
}
