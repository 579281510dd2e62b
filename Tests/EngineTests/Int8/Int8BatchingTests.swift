import XCTest
@testable import Engine

/// Prefill, the multi-sequence decode step and the thread pool compute exactly what one token at a time
/// on one thread computes: every row's arithmetic is the same whatever else is in the batch.
final class Int8BatchingTests: XCTestCase {
    let model = Fixtures.int8Student
    var longPrompt: [Int32] { Fixtures.studentReference.cases.last!.prompt_ids }   // 200 tokens

    func testPrefillEqualsTokenByToken() throws {
        let tokens = longPrompt
        XCTAssertGreaterThan(tokens.count, Int8TransformerModel.prefillChunk)      // crosses a chunk boundary
        let single = model.makeSequenceState(contextLength: 256)
        let expected = try model.forwardTokenByToken(tokens: tokens, startPosition: 0, state: single, logits: .allTokens)

        // in two calls, the second attending to the first through the cache
        let batched = model.makeSequenceState(contextLength: 256)
        let first = try model.forward(tokens: Array(tokens[..<77]), startPosition: 0, state: batched, logits: .allTokens)
        let second = try model.forward(tokens: Array(tokens[77...]), startPosition: 77, state: batched, logits: .allTokens)
        XCTAssertEqual(first + second, expected)

        // the cache it left behind continues exactly like the token-by-token one
        XCTAssertEqual(Array(try model.forward(token: 5, position: tokens.count, state: batched)),
                       Array(try model.forward(token: 5, position: tokens.count, state: single)))

        // Asking for the last token's logits corrects only its row: the rows before it are those of a Q8_0
        // prefill, then the last runs as one decoded token.
        let V = model.config.vocabularySize
        let last = try model.forward(tokens: tokens, startPosition: 0, state: model.makeSequenceState(contextLength: 256),
                                     logits: .lastToken)
        let q8_0 = Fixtures.int8StudentQ8_0
        let uncorrected = q8_0.makeSequenceState(contextLength: 256)
        _ = try q8_0.forwardTokenByToken(tokens: Array(tokens.dropLast()), startPosition: 0, state: uncorrected,
                                         logits: .allTokens)
        XCTAssertEqual(last, Array(try model.forward(token: tokens.last!, position: tokens.count - 1, state: uncorrected)))
        XCTAssertNotEqual(last, Array(expected[((tokens.count - 1) * V)...]))

        let ids: [Int32] = [7, 8191, 0, 3425, 7]
        let subset = try model.forward(tokens: Array(tokens.prefix(9)), startPosition: 0,
                                       state: model.makeSequenceState(contextLength: 16), logits: .subset(model.vocabularySubset(ids: ids)))
        XCTAssertEqual(subset, (0..<9).flatMap { t in ids.map { expected[t * V + Int($0)] } })
    }

    /// A server prefills a long prompt a chunk at a time between other sequences' tokens. The chunks that more
    /// prompt follows read no logits, so no row of theirs is corrected and where the prompt was cut changes
    /// nothing; reading each chunk's last logits would correct those rows and change the rest of the sequence.
    func testAPromptPrefilledInPiecesEqualsOnePrefill() throws {
        let tokens = Array(longPrompt.prefix(40))
        let cuts = [0, 1, 17, 39, 40]
        func prefilled(_ pieces: LogitSelection) throws -> (logits: [Float], state: Int8TransformerState) {
            let state = model.makeSequenceState(contextLength: 64)
            var logits: [Float] = []
            for (start, end) in zip(cuts, cuts.dropFirst()) {
                logits = try model.forward(tokens: Array(tokens[start..<end]), startPosition: start, state: state,
                                           logits: end == tokens.count ? .lastToken : pieces)
            }
            return (logits, state)
        }
        let whole = model.makeSequenceState(contextLength: 64)
        let expected = try model.forward(tokens: tokens, startPosition: 0, state: whole, logits: .lastToken)
        let next = Array(try model.forward(token: 5, position: tokens.count, state: whole))

        let cut = try prefilled(.none)
        XCTAssertEqual(cut.logits, expected)
        XCTAssertEqual(Array(try model.forward(token: 5, position: tokens.count, state: cut.state)), next)
        XCTAssertEqual(try model.forward(tokens: [1, 2], startPosition: 0, state: cut.state, logits: .none), [])

        XCTAssertNotEqual(try prefilled(.lastToken).logits, expected)
    }

    func testDecodeStepEqualsSeparateDecodes() throws {
        // long enough together that attention runs one sequence per thread
        let prompts = [Array(longPrompt.prefix(190)), [1], Array(longPrompt.suffix(120)), [1, 1359]]
        let batch = model.makeDecodeBatch(capacity: 4)
        let batchedStates = prompts.map { _ in model.makeSequenceState(contextLength: 200) }
        let separateStates = prompts.map { _ in model.makeSequenceState(contextLength: 200) }
        var next: [Int32] = []
        for (b, prompt) in prompts.enumerated() {
            _ = try model.forward(tokens: prompt, startPosition: 0, state: batchedStates[b], logits: .lastToken)
            let logits = try model.forward(tokens: prompt, startPosition: 0, state: separateStates[b], logits: .lastToken)
            next.append(logits.withUnsafeBufferPointer { LogProbabilities.top(1, in: $0)[0].id })
        }
        var positions = prompts.map(\.count)
        let V = model.config.vocabularySize
        // all four, then three of them in another order, as sequences join and leave a server's batch
        for order in [[0, 1, 2, 3], [2, 0, 3], [3, 1, 0, 2]] {
            let logits = try model.decodeStep(tokens: order.map { next[$0] }, positions: order.map { positions[$0] },
                                              states: order.map { batchedStates[$0] }, batch: batch)
            XCTAssertEqual(logits.count, order.count * V)
            for (row, b) in order.enumerated() {
                let expected = try model.forward(token: next[b], position: positions[b], state: separateStates[b])
                XCTAssertEqual(Array(logits[(row * V)..<((row + 1) * V)]), Array(expected), "sequence \(b)")
                XCTAssertEqual(Array(batch.logits(row)), Array(expected))
                next[b] = LogProbabilities.top(1, in: expected)[0].id
                positions[b] += 1
            }
        }
    }

    func testOneThreadAndTwoThreadsAgree() throws {
        let oneThread = try Int8TransformerModel(file: Fixtures.studentFile, threads: 1)
        XCTAssertEqual(oneThread.threadCount, 1)
        XCTAssertEqual(model.threadCount, min(2, ProcessInfo.processInfo.activeProcessorCount))
        let adaptive = try Int8TransformerModel(file: Fixtures.studentFile)
        XCTAssertFalse(model.adaptsThreads)
        XCTAssertEqual(adaptive.adaptsThreads, ProcessInfo.processInfo.activeProcessorCount > 1)
        let prompt = longPrompt
        let expected = try nextTokenLogprobs(oneThread, prompt)
        XCTAssertEqual(try nextTokenLogprobs(model, prompt), expected)
        XCTAssertEqual(try nextTokenLogprobs(adaptive, prompt), expected)
        let greedy = try greedyIDs(oneThread, [1, 4921], count: 40)
        XCTAssertEqual(try greedyIDs(model, [1, 4921], count: 40), greedy)
        XCTAssertEqual(try greedyIDs(adaptive, [1, 4921], count: 40), greedy)   // steps on one thread and on two
    }
}
