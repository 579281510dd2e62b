import Engine
import Foundation
import GGUF
import XCTest
@testable import Distill

/// The trainer's forward on the Gemma-3-270M teacher itself (all 18 layers, its Q4_K/Q6_K weights
/// dequantized to f32) against the Engine's f32 Gemma 3 reference (itself checked against llama.cpp): the
/// gemma3 layers of the trainer are the teacher's arithmetic, so a pruned student starts as the teacher did.
final class TeacherAgreementTests: XCTestCase {
    static let teacherPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("models/teacher/gemma-3-270m-q4_k_m.gguf").path

    func testTrainerForwardGivesTheTeachersLogProbabilities() throws {
        guard FileManager.default.fileExists(atPath: Self.teacherPath) else {
            return XCTFail("the teacher is missing at \(Self.teacherPath): run `make teacher` first")
        }
        let file = try GGUFFile(path: Self.teacherPath)
        let reference = try Gemma3Model(file: file)
        let V = reference.config.vocabularySize
        let tokens: [Int32] = [2, 2063, 19478, 236769, 236749, 1473, 107, 139, 1018, 563, 236743, 236800, 236787, 108]
        let student = try TeacherWeights.load(file: file, teacherIDs: (0..<Int32(V)).map { $0 }, contextLength: tokens.count)
        XCTAssertEqual(student.config.localLayers, (0..<18).map { $0 % 6 != 5 })
        let actual = try student.logits(tokens: tokens, batchSize: 1, sequenceLength: tokens.count)
        let expected = try reference.forward(tokens: tokens, startPosition: 0, state: reference.makeState(contextLength: 64),
                                             logits: .allTokens)
        var worst: Float = 0
        for t in 0..<tokens.count {
            let a = logProbabilities(actual[(t * V)..<((t + 1) * V)]), e = logProbabilities(expected[(t * V)..<((t + 1) * V)])
            // where the probability is not negligible: the top 1,000 tokens of the reference
            let top = e.indices.sorted { e[$0] > e[$1] }.prefix(1000)
            for i in top { worst = max(worst, abs(a[i] - e[i])) }
            XCTAssertEqual(a.indices.max { a[$0] < a[$1] }, e.indices.max { e[$0] < e[$1] }, "top-1 at position \(t)")
        }
        XCTAssertLessThan(worst, 1e-3, "largest log-probability difference \(worst)")
    }

    private func logProbabilities(_ logits: ArraySlice<Float>) -> [Float] {
        let m = logits.max()!
        let lse = m + Float(log(logits.reduce(0.0) { $0 + exp(Double($1 - m)) }))
        return logits.map { $0 - lse }
    }
}
