import Engine
import GGUF
import XCTest

/// `Numerics.ggml` against goldens made on held-out Python with `Benchmarks/llama-cpp/parity.py` (llama-server of
/// llama.cpp 0.3.36, the version the fixtures came from, 2 threads) on the student fixture, prompts of 1 to 600
/// tokens, 16 greedy steps each. Where parity holds and where it does not (Benchmarks/README.md, "Where parity
/// holds"):
/// - up to 128 tokens of context: every step's top-10 log-probs to 1e-3 and every greedy id;
/// - beyond: the prompt's next token within 0.05, and decode steps within 0.2 (0.66 on the teacher) with the greedy
///   ids equal up to a near-tie: llama.cpp's one-token attention over a few hundred cached positions is the likely
///   place where its rounding and ours part (not traced).
final class LlamaCppParityTests: XCTestCase {
    struct Parity: Decodable {
        let goldens: [Golden]
    }

    struct Golden: Decodable {
        let prompt_ids: [Int32]
        let top10: [[String: Float]]  // per greedy step: id -> log-prob
        let greedy: [Int32]
    }

    private let parity = try! Fixtures.decode(Parity.self, from: "student-s-q8_0-parity.json")

    func testUpTo128TokensEveryStepMatchesLlamaCpp() throws {
        let short = parity.goldens.filter { $0.prompt_ids.count <= 128 }
        XCTAssertEqual(short.map(\.prompt_ids.count), [1, 2, 8, 32, 128])
        for golden in short {
            try replay(golden) { step, difference, _ in
                XCTAssertLessThan(difference, 1e-3, "\(golden.prompt_ids.count)-token prompt, step \(step)")
                return true
            }
        }
    }

    func testLongerContextsStayWithinTheMeasuredBand() throws {
        let long = parity.goldens.filter { $0.prompt_ids.count > 128 }
        XCTAssertEqual(long.map(\.prompt_ids.count), [256, 512, 600])
        for golden in long {
            try replay(golden) { step, difference, nearTie in
                let label = "\(golden.prompt_ids.count)-token prompt, step \(step)"
                XCTAssertLessThan(difference, step == 0 ? 0.05 : 0.2, label)
                return !nearTie  // past a near-tie our greedy path may leave llama.cpp's
            }
        }
    }

    /// Prefills the prompt as `generate --reference` does, then follows llama.cpp's greedy ids; at each step
    /// `check(step, largest top-10 difference, llama.cpp's top two within 0.1)` says whether to go on.
    private func replay(_ golden: Golden, _ check: (Int, Float, Bool) -> Bool) throws {
        let model = LlamaReferenceTests.ggmlModel
        let state = model.makeState()
        var logits = try model.forward(tokens: golden.prompt_ids, startPosition: 0, state: state, logits: .lastToken)
        for (step, expected) in golden.greedy.enumerated() {
            let top = logits.withUnsafeBufferPointer { LogProbabilities.top(20, in: $0) }  // a drifted 10th stays in view
            let ours = Dictionary(uniqueKeysWithValues: top.map { ($0.id, $0.logprob) })
            let theirs = golden.top10[step]
            var difference: Float = 0
            for (id, logprob) in theirs {
                let mine = try XCTUnwrap(ours[Int32(id)!], "step \(step): llama.cpp's id \(id) not in our top 20")
                difference = max(difference, abs(mine - logprob))
            }
            let sorted = theirs.values.sorted(by: >)
            let nearTie = sorted.count > 1 && sorted[0] - sorted[1] < 0.1
            guard check(step, difference, nearTie) else { return }
            if !nearTie { XCTAssertEqual(top[0].id, expected, "\(golden.prompt_ids.count)-token prompt, step \(step)") }
            logits = Array(try model.forward(token: expected, position: golden.prompt_ids.count + step, state: state))
        }
    }
}
