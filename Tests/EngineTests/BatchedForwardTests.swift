import XCTest
import GGUF
import Engine

/// The batched forward (prefill, teacher passes) against the token-by-token reference, on the Llama fixture.
final class BatchedForwardTests: XCTestCase {
    let model = Fixtures.student

    private var longPrompt: [Int32] {
        try! Fixtures.decode(Fixtures.StudentReference.self, from: "student-s-q8_0-reference.json").cases.last!.prompt_ids
    }

    func testBatchedForwardEqualsTokenByToken() throws {
        let tokens = longPrompt                                          // 200 tokens
        let v = model.config.vocabularySize
        let single = model.makeState(contextLength: 256)
        let expected = try model.forwardTokenByToken(tokens: tokens, startPosition: 0, state: single, logits: .allTokens)

        // in two chunks, the second attending to the first through the cache
        let batched = model.makeState(contextLength: 256)
        let first = try model.forward(tokens: Array(tokens[..<77]), startPosition: 0, state: batched, logits: .allTokens)
        let second = try model.forward(tokens: Array(tokens[77...]), startPosition: 77, state: batched, logits: .allTokens)
        XCTAssertEqual(first.count + second.count, tokens.count * v)
        XCTAssertLessThan(maxAbsDifference(first + second, expected), 1e-3)

        // the cache it left behind continues exactly like the token-by-token one
        let next = Array(try model.forward(token: 5, position: tokens.count, state: batched))
        let nextExpected = Array(try model.forward(token: 5, position: tokens.count, state: single))
        XCTAssertLessThan(maxAbsDifference(next, nextExpected), 1e-3)

        let last = try model.forward(tokens: tokens, startPosition: 0, state: model.makeState(contextLength: 256),
                                     logits: .lastToken)
        XCTAssertEqual(last.count, v)
        XCTAssertLessThan(maxAbsDifference(last, Array(expected[((tokens.count - 1) * v)...])), 1e-3)
    }

    func testSubsetLogitsAreRowsOfTheFullLogits() throws {
        let tokens = Array(longPrompt.prefix(9))
        let ids: [Int32] = [7, 8191, 0, 3425, 7, 100]
        let full = try model.forward(tokens: tokens, startPosition: 0, state: model.makeState(contextLength: 16),
                                     logits: .allTokens)
        let subset = try model.vocabularySubset(ids: ids)
        XCTAssertEqual(subset.count, 6)
        let rows = try model.forward(tokens: tokens, startPosition: 0, state: model.makeState(contextLength: 16),
                                     logits: .subset(subset))
        XCTAssertEqual(rows.count, tokens.count * ids.count)
        let v = model.config.vocabularySize
        for t in 0..<tokens.count {
            for (s, id) in ids.enumerated() {
                XCTAssertEqual(rows[t * ids.count + s], full[t * v + Int(id)], accuracy: 1e-4)
            }
        }
        let empty = try model.forward(tokens: tokens, startPosition: 0, state: model.makeState(contextLength: 16),
                                      logits: .subset(model.vocabularySubset(ids: [])))
        XCTAssertEqual(empty, [])
    }

    func testBadInputsGiveTypedErrors() throws {
        let state = model.makeState(contextLength: 4)
        XCTAssertEqual(state.contextLength, 4)
        XCTAssertThrowsError(try model.forward(token: 8192, position: 0, state: state)) {
            XCTAssertEqual($0 as? InferenceError, .tokenOutOfRange(token: 8192, vocabularySize: 8192))
        }
        XCTAssertThrowsError(try model.forward(token: -1, position: 0, state: state)) {
            XCTAssertEqual($0 as? InferenceError, .tokenOutOfRange(token: -1, vocabularySize: 8192))
        }
        XCTAssertThrowsError(try model.forward(token: 1, position: 4, state: state)) {
            XCTAssertEqual($0 as? InferenceError, .contextFull(position: 4, contextLength: 4))
        }
        XCTAssertThrowsError(try model.forward(token: 1, position: -1, state: state)) {
            XCTAssertEqual($0 as? InferenceError, .contextFull(position: 0, contextLength: 4))
        }
        XCTAssertThrowsError(try model.forward(tokens: [1, 2, 3], startPosition: 2, state: state, logits: .lastToken)) {
            XCTAssertEqual($0 as? InferenceError, .contextFull(position: 4, contextLength: 4))
        }
        XCTAssertThrowsError(try model.forward(tokens: [], startPosition: 0, state: state, logits: .lastToken)) {
            XCTAssertEqual($0 as? InferenceError, .emptyBatch)
        }
        XCTAssertThrowsError(try model.vocabularySubset(ids: [8192])) {
            XCTAssertEqual($0 as? InferenceError, .tokenOutOfRange(token: 8192, vocabularySize: 8192))
        }
        var other = model.config
        other.layerCount = 3
        XCTAssertThrowsError(try model.forward(token: 1, position: 0, state: InferenceState(config: other))) {
            guard case .stateMismatch = $0 as? InferenceError else { return XCTFail("\($0)") }
        }
    }
}

func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "\(a.count) vs \(b.count) values")
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}
