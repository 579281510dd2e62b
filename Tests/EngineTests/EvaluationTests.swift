import Engine
import GGUF
import XCTest

@testable import Engine

final class EvaluationTests: XCTestCase {
    static let model = try! LlamaModel(file: GGUFFile(path: Fixtures.path("student-s-q8_0.gguf")))

    func testSlidingWindowsScoreEveryTokenAfterTheFirstExactlyOnce() {
        for tokens in [0, 1, 2, 3, 7, 8, 9, 16, 17, 100, 101] {
            for window in [2, 3, 4, 8, 16] {
                let windows = Array(SlidingWindows(tokenCount: tokens, window: window, stride: max(window / 2, 1)))
                var next = 1
                for w in windows {
                    XCTAssertEqual(w.firstScored, next, "tokens \(tokens) window \(window)")
                    XCTAssertGreaterThan(w.firstScored, w.start, "a scored token has context in its window")
                    XCTAssertLessThanOrEqual(w.end - w.start, window)
                    next = w.end
                }
                XCTAssertEqual(max(next, 1), max(tokens, 1), "tokens \(tokens) window \(window): all scored")
                if tokens >= 2 {
                    XCTAssertEqual(windows.count, SlidingWindows(tokenCount: tokens, window: window, stride: max(window / 2, 1)).count)
                }
            }
        }
    }

    /// Token-by-token log-probabilities, the definition the windows must reproduce when one window holds everything.
    private func directBits(_ tokens: [Int32], from first: Int = 1) throws -> Double {
        let state = Self.model.makeState(contextLength: tokens.count)
        var bits = 0.0
        for (position, token) in tokens.enumerated().dropLast() {
            let logits = try Self.model.forward(token: token, position: position, state: state)
            if position + 1 >= first {
                bits -= Double(LogProbabilities.logProbability(of: tokens[position + 1], in: logits)) / log(2)
            }
        }
        return bits
    }

    func testOneWindowEqualsTheDirectSum() throws {
        let tokens: [Int32] = [1, 300, 4000, 17, 8191, 5, 99, 1234, 42, 7]
        let tally = try Evaluator(model: Self.model, contextLength: 16).slidingWindow(tokens)
        XCTAssertEqual(tally.scoredTokens, tokens.count - 1)
        XCTAssertEqual(tally.bits, try directBits(tokens), accuracy: 1e-3 * tally.bits)
    }

    func testSlidingWindowsScoreLaterTokensWithPartialContext() throws {
        let tokens: [Int32] = (0..<20).map { Int32(($0 * 977 + 3) % 8192) }
        var calls: [(Int, Int)] = []
        let tally = try Evaluator(model: Self.model, contextLength: 8).slidingWindow(tokens) { calls.append(($0, $1)) }
        XCTAssertEqual(tally.scoredTokens, 19)
        XCTAssertEqual(calls.last?.0, calls.last?.1)
        XCTAssertEqual(tally.forwardedTokens, 8 * calls.count, "every window is a whole one of 8 tokens")
        XCTAssertEqual(calls.count, 4, "windows start at 0, 4, 8 and 12")
        // The first window's part equals the direct sum over its own 8 tokens.
        let firstWindow = try Evaluator(model: Self.model, contextLength: 8).slidingWindow(Array(tokens[0..<8]))
        XCTAssertEqual(firstWindow.bits, try directBits(Array(tokens[0..<8])), accuracy: 1e-3 * firstWindow.bits)
        XCTAssertGreaterThan(tally.bits, firstWindow.bits)
    }

    func testLlamaPerplexityProtocolScoresTheSecondHalfOfWholeChunks() throws {
        let tokens: [Int32] = (0..<21).map { Int32(($0 * 31 + 5) % 8192) }
        let tally = try Evaluator(model: Self.model, contextLength: 8).llamaPerplexityProtocol(tokens)
        // 2 whole chunks of 8 (the 5-token tail is dropped), rows 4...6 of each scored.
        XCTAssertEqual(tally.scoredTokens, 2 * (8 - 1 - 4))
        XCTAssertEqual(tally.forwardedTokens, 16)
        var chunk = Array(tokens[8..<16])
        chunk[0] = 1  // BOS replaces each chunk's first token
        let secondChunkBits = try directBits(chunk, from: 5)
        var firstChunk = Array(tokens[0..<8])
        firstChunk[0] = 1
        XCTAssertEqual(tally.bits, try directBits(firstChunk, from: 5) + secondChunkBits, accuracy: 1e-3 * tally.bits)
        XCTAssertEqual(tally.perplexity, exp(tally.nats / 6), accuracy: 1e-9)
    }
}
