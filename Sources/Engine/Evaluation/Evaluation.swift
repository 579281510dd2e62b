#if canImport(Glibc)
import Glibc
#endif

/// What an evaluation pass adds up: the surprise of every scored token in bits.
public struct EvaluationTally: Sendable, Equatable {
    /// Σ -log2 p(token | context) over the scored tokens.
    public var bits: Double = 0
    public var scoredTokens = 0
    /// Positions the model ran, scored or not (overlapping windows run some twice): the work done.
    public var forwardedTokens = 0

    public init() {}

    public var nats: Double { bits * 0.693_147_180_559_945_3 }
    public var perplexity: Double { scoredTokens > 0 ? exp(nats / Double(scoredTokens)) : .nan }

    mutating func add(logprob: Float) {
        bits -= Double(logprob) / 0.693_147_180_559_945_3
        scoredTokens += 1
    }

    public static func + (a: Self, b: Self) -> Self {
        var sum = a
        sum.bits += b.bits
        sum.scoredTokens += b.scoredTokens
        sum.forwardedTokens += b.forwardedTokens
        return sum
    }
}

/// Scores text under a model, in the two protocols `distillery eval` reports.
/// Progress goes to `onChunk(done, total)` after each forward pass.
public struct Evaluator {
    public let model: any LanguageModel
    public let contextLength: Int

    /// `contextLength` must be at least 2 (callers validate user input before).
    public init(model: any LanguageModel, contextLength: Int) {
        precondition(contextLength >= 2, "an evaluation window needs at least 2 tokens")
        self.model = model
        self.contextLength = contextLength
    }

    /// The sliding-window protocol behind bits per byte: every token after the first scored exactly once,
    /// windows of `contextLength` tokens advancing by half a window, each scoring only what no earlier window did.
    public func slidingWindow(_ tokens: [Int32], onChunk: (Int, Int) -> Void = { _, _ in }) throws(InferenceError) -> EvaluationTally {
        var tally = EvaluationTally()
        guard tokens.count >= 2 else { return tally }
        let stride = max(contextLength / 2, 1)
        let windows = SlidingWindows(tokenCount: tokens.count, window: contextLength, stride: stride)
        let state = model.makeState(contextLength: contextLength)
        for (index, window) in windows.enumerated() {
            let slice = Array(tokens[window.start..<window.end])
            let logits = try model.forward(tokens: slice, startPosition: 0, state: state, logits: .allTokens)
            // logits row j predicts slice[j + 1]; score the targets from window.firstScored on.
            score(logits, targets: slice, from: window.firstScored - window.start - 1, into: &tally)
            tally.forwardedTokens += slice.count
            onChunk(index + 1, windows.count)
        }
        return tally
    }

    /// Bits per byte (DESIGN.md, decision 7: comparable across vocabularies): the sliding-window surprise of
    /// every document's tokens, each document scored on its own, over `byteCount`, the UTF-8 bytes they spell.
    public func bitsPerByte(documents: [[Int32]], byteCount: Int) throws(InferenceError) -> Double {
        var tally = EvaluationTally()
        for tokens in documents { tally = tally + (try slidingWindow(tokens)) }
        return tally.bits / Double(max(byteCount, 1))
    }

    /// llama.cpp perplexity's protocol: whole chunks of `contextLength` tokens, each chunk's first token replaced
    /// by BOS (when the model has one), only the second half of each chunk scored. A tail shorter than a chunk
    /// is not scored, as in llama.cpp.
    public func llamaPerplexityProtocol(_ tokens: [Int32], onChunk: (Int, Int) -> Void = { _, _ in }) throws(InferenceError) -> EvaluationTally {
        var tally = EvaluationTally()
        let chunks = tokens.count / contextLength
        let state = model.makeState(contextLength: contextLength)
        for chunk in 0..<chunks {
            var slice = Array(tokens[(chunk * contextLength)..<((chunk + 1) * contextLength)])
            if let bos = model.config.bosTokenID { slice[0] = bos }
            let logits = try model.forward(tokens: slice, startPosition: 0, state: state, logits: .allTokens)
            score(logits, targets: slice, from: contextLength / 2, into: &tally)
            tally.forwardedTokens += slice.count
            onChunk(chunk + 1, chunks)
        }
        return tally
    }

    /// Adds log p(targets[j + 1]) from logits row j, for j in firstRow ..< T - 1.
    private func score(_ logits: [Float], targets: [Int32], from firstRow: Int, into tally: inout EvaluationTally) {
        let v = model.config.vocabularySize
        logits.withUnsafeBufferPointer { all in
            for row in max(firstRow, 0)..<(targets.count - 1) {
                let logitsRow = UnsafeBufferPointer(rebasing: all[(row * v)..<((row + 1) * v)])
                tally.add(logprob: LogProbabilities.logProbability(of: targets[row + 1], in: logitsRow))
            }
        }
    }
}

/// The windows of the sliding-window protocol: [start, end) and the first token each one scores.
struct SlidingWindows: Sequence {
    struct Window: Equatable {
        let start: Int, end: Int, firstScored: Int
    }

    let tokenCount: Int, window: Int, stride: Int

    var count: Int {
        tokenCount <= window ? 1 : 1 + (tokenCount - window + stride - 1) / stride
    }

    func makeIterator() -> AnyIterator<Window> {
        var start = 0
        var scoredUpTo = 1  // token 0 has no context and is never scored
        return AnyIterator {
            guard scoredUpTo < tokenCount else { return nil }
            let end = Swift.min(start + window, tokenCount)
            let current = Window(start: start, end: end, firstScored: scoredUpTo)
            scoredUpTo = end
            start += stride
            return current
        }
    }
}
