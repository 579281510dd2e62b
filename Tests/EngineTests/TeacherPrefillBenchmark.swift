import Engine
import Foundation
import GGUF
import Tensors
import XCTest

/// Teacher prefill speed, 512-token chunks on 2 threads: the int8 engine (what distillation runs) and f32; logits for every position over the full vocabulary or trimmed to 8192 rows, or for the
/// last position only (what llama-bench times). Runs only when asked:
///   OPENBLAS_CORETYPE=SkylakeX DISTILLERY_BENCH=1 swift test -c release --filter TeacherPrefillBenchmark
final class TeacherPrefillBenchmark: XCTestCase {
    func testTeacherPrefillTokensPerSecond() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["DISTILLERY_BENCH"] != nil, "set DISTILLERY_BENCH=1")
        MatrixThreads.set(2)
        var random = SeededRandom(seed: 3)
        let tokens = [2] + (1..<512).map { _ in Int32(random.next() % 262_000) + 3 }
        print("OpenBLAS core \(MatrixThreads.coreName), \(MatrixThreads.count) threads")
        try measure(loadTeacherModel(file: GGUFFile(path: Teacher.path), threads: 2), "int8 engine", tokens)
        try measure(Teacher.load(), "f32", tokens)
    }

    private func measure<Model: LanguageModel>(_ model: Model, _ name: String, _ tokens: [Int32]) throws {
        let trimmed = try model.vocabularySubset(ids: (0..<8192).map { Int32($0) })
        let state = model.makeState(contextLength: 512)
        for (label, selection) in [("trimmed to 8192 rows", LogitSelection.subset(trimmed)), ("full vocabulary", .allTokens),
                                   ("last token only", .lastToken)] {
            var seconds: [Double] = []
            for _ in 0..<3 {
                let start = DispatchTime.now().uptimeNanoseconds
                let logits = try model.forward(tokens: tokens, startPosition: 0, state: state, logits: selection)
                seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                XCTAssertFalse(logits.isEmpty)
            }
            let median = seconds.sorted()[1]
            print(String(format: "teacher prefill 512 tokens, %@, logits %@: median %.3f s, %.0f tok/s (runs %@)",
                         name, label, median, Double(tokens.count) / median,
                         seconds.map { String(format: "%.3f", $0) }.joined(separator: " ")))
        }
    }
}
