import XCTest
@testable import Engine

/// Decoding allocates nothing, on the caller's thread or on the pool's workers (jemalloc's per-thread counters).
final class Int8AllocationTests: XCTestCase {
    /// The threads that run `model`'s steps.
    private func counters(_ model: Int8TransformerModel) -> [UnsafeMutablePointer<UInt64>] {
        model.pool.map(AllocationCounter.participants(of:)) ?? [AllocationCounter.currentThread()]
    }

    func testDecodingATokenAllocatesNothing() throws {
        try AllocationCounter.skipInSanitizerBuilds()
        for model in [Fixtures.int8Student, try Int8TransformerModel(file: Fixtures.studentFile, threads: 1),
                      try Int8TransformerModel(file: Fixtures.studentFile)] {
            let state = model.makeSequenceState(contextLength: 300)
            let prompt: [Int32] = [1, 4921, 7201, 6831]
            _ = try model.forward(tokens: prompt, startPosition: 0, state: state, logits: .lastToken)
            _ = try model.forward(token: 9, position: prompt.count, state: state)
            var token: Int32 = 9
            let bytes = try AllocationCounter.bytes(allocatedBy: counters(model)) {
                for position in prompt.count + 1..<300 {   // attention goes parallel from position 64
                    let logits = try model.forward(token: token, position: position, state: state)
                    token = Int32(position * 37 % logits.count)
                }
            }
            XCTAssertEqual(bytes, 0, "\(model.threadCount) thread(s), adaptive: \(model.adaptsThreads)")
        }
    }

    func testDecodeStepAllocatesNothing() throws {
        try AllocationCounter.skipInSanitizerBuilds()
        let model = Fixtures.int8Student
        let states = (0..<3).map { _ in model.makeSequenceState(contextLength: 256) }
        for state in states { _ = try model.forward(tokens: [1, 2, 3], startPosition: 0, state: state, logits: .lastToken) }
        let batch = model.makeDecodeBatch(capacity: 3)
        // the caller's arrays are reused from step to step, as a scheduler would (made at run time: a literal
        // would be a static array that the first write copies)
        var tokens = [Int32](repeating: 5, count: 3), positions = [Int](repeating: 3, count: 3)
        _ = try model.decodeStep(tokens: tokens, positions: positions, states: states, batch: batch)
        let bytes = try AllocationCounter.bytes(allocatedBy: counters(model)) {
            for step in 1..<150 {
                for b in 0..<3 {
                    tokens[b] = Int32((step * 31 + b) % 8192)
                    positions[b] = 3 + step
                }
                _ = try model.decodeStep(tokens: tokens, positions: positions, states: states, batch: batch)
            }
        }
        XCTAssertEqual(bytes, 0)
    }
}
