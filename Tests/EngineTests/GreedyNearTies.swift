import XCTest
import Engine

/// Follows llama.cpp's greedy ids; where ours first differs, llama.cpp's pick must be within `tieMargin` nats of
/// ours. Returns how many cases matched all the way.
func greedyMatchesUpToNearTies<Model: LanguageModel>(_ model: Model, cases: [Fixtures.StudentReference.Case],
                                                     tieMargin: Float) throws -> Int {
    var fullMatches = 0
    for (n, testCase) in cases.enumerated() {
        let state = model.makeState(contextLength: 256)
        var logits = try model.forward(tokens: testCase.prompt_ids, startPosition: 0, state: state, logits: .lastToken)
        var position = testCase.prompt_ids.count
        for (step, expected) in testCase.greedy_ids.enumerated() {
            let ours = logits.withUnsafeBufferPointer { LogProbabilities.top(1, in: $0)[0] }
            if ours.id != expected {
                let theirs = logits.withUnsafeBufferPointer { LogProbabilities.logProbability(of: expected, in: $0) }
                XCTAssertLessThan(ours.logprob - theirs, tieMargin, "case \(n) step \(step): \(ours.id) vs \(expected)")
                break
            }
            if step == testCase.greedy_ids.count - 1 { fullMatches += 1; break }
            logits = Array(try model.forward(token: ours.id, position: position, state: state))
            position += 1
        }
    }
    return fullMatches
}

/// `count` greedy ids after a prompt prefilled in `pieces` (one batched forward each), then decoded token by token.
func greedyIDs<Model: LanguageModel>(_ model: Model, prefill pieces: [[Int32]], count: Int) throws -> [Int32] {
    let state = model.makeState(contextLength: 256)
    var position = 0
    var logits: [Float] = []
    for piece in pieces {
        logits = try model.forward(tokens: piece, startPosition: position, state: state, logits: .lastToken)
        position += piece.count
    }
    var ids: [Int32] = []
    while true {
        let id = logits.withUnsafeBufferPointer { LogProbabilities.top(1, in: $0)[0].id }
        ids.append(id)
        if ids.count == count { return ids }
        logits = Array(try model.forward(token: id, position: position, state: state))
        position += 1
    }
}
