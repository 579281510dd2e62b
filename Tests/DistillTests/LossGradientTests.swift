import Distill
import Engine
import Tensors
import XCTest

/// Every loss's dL/dlogits against central finite differences of its forward, plus the values the
/// bucket losses must reproduce exactly.
final class LossGradientTests: XCTestCase {
    let N = 4, V = 37, K = 5

    private func setUp(teacherTemperature: Float, teachers count: Int = 1) throws -> ([Float], [Int32], [TeacherTargets]) {
        var rng = SeededRandom(seed: 11)
        let student = GradientCheck.random(N * V, &rng, scale: 2)
        let targets = (0..<N).map { _ in Int32(rng.next() % UInt64(V)) }
        let teachers = try (0..<count).map { _ in
            try TeacherTargets(logits: GradientCheck.random(N * V, &rng, scale: 3), vocabularySize: V, k: K,
                               temperature: teacherTemperature)
        }
        return (student, targets, teachers)
    }

    private func check(_ loss: DistillationLoss, teachers count: Int = 1, file: StaticString = #filePath, line: UInt = #line) throws {
        var (logits, targets, teachers) = try setUp(teacherTemperature: loss.temperature, teachers: count)
        let teacher = loss.kind == .ce ? nil : try TeacherTargets.mixture(teachers, weights: loss.teacherWeights)
        let (N, V) = (self.N, self.V)
        func value() -> Double {
            try! LossLayer.forward(logits, targets, teacher, loss, N, V).loss
        }
        var dlogits = [Float](repeating: .nan, count: N * V)
        let recomputed = try dlogits.ptr { try LossLayer.backward($0, logits, targets, teacher, loss, dloss: 1, N, V) }
        XCTAssertEqual(recomputed, try LossLayer.forward(logits, targets, teacher, loss, N, V),
                       "backward recomputes exactly the forward's sums", file: file, line: line)
        GradientCheck.assertClose(dlogits, GradientCheck.numeric(&logits, h: 1e-2, value), tolerance: 5e-3,
                                  "\(loss.kind) dlogits", file: file, line: line)
    }

    func testKLWithHardLabelsAndTemperature() throws {
        try check(DistillationLoss(kind: .kl, alpha: 0.3, temperature: 2))
    }

    func testReverseKL() throws {
        try check(DistillationLoss(kind: .rkl, alpha: 0.6, temperature: 1))
    }

    func testGeneralizedJSD() throws {
        try check(DistillationLoss(kind: .jsd, alpha: 0.8, temperature: 1.5, beta: 0.3))
    }

    func testCrossEntropyOnly() throws {
        try check(DistillationLoss(kind: .ce))
    }

    func testMultiTeacherKL() throws {
        try check(DistillationLoss(kind: .kl, alpha: 0.7, temperature: 1, teacherWeights: [0.7, 0.3]), teachers: 2)
    }

    /// With k = V there is no tail: bucket KL must equal the full KL(p || q) at temperature T, and CE
    /// must equal -log softmax(z)[target].
    func testKLValueMatchesFullDistributionWhenKCoversTheVocabulary() throws {
        var rng = SeededRandom(seed: 5)
        let z = GradientCheck.random(V, &rng, scale: 2), t = GradientCheck.random(V, &rng, scale: 2)
        let tau: Float = 2
        let teacher = try TeacherTargets(logits: t, vocabularySize: V, k: V, temperature: tau)
        let loss = DistillationLoss(kind: .kl, alpha: 1, temperature: tau)
        let sums = try LossLayer.forward(z, [3], teacher, loss, 1, V)
        let p = softmax(t.map { Double($0 / tau) }), q = softmax(z.map { Double($0 / tau) })
        let kl = zip(p, q).reduce(0.0) { $0 + $1.0 * log($1.0 / $1.1) }
        XCTAssertEqual(sums.kl, kl, accuracy: 1e-5)
        XCTAssertEqual(sums.loss, Double(tau * tau) * kl, accuracy: 1e-4)
        XCTAssertEqual(sums.crossEntropy, -log(softmax(z.map(Double.init))[3]), accuracy: 1e-5)
    }

    /// Top-k + tail: the tail bucket is compared as one probability.
    func testTailBucketAggregatesTheRestOfTheVocabulary() throws {
        var rng = SeededRandom(seed: 6)
        let z = GradientCheck.random(V, &rng, scale: 2), t = GradientCheck.random(V, &rng, scale: 2)
        let teacher = try TeacherTargets(logits: t, vocabularySize: V, k: 3, temperature: 1)
        let p = softmax(t.map(Double.init)), q = softmax(z.map(Double.init))
        let top = (0..<3).map { Int(teacher.ids[$0]) }
        XCTAssertEqual(Set(top), Set(p.indices.sorted { p[$0] > p[$1] }.prefix(3)))
        let pTail = 1 - top.reduce(0.0) { $0 + p[$1] }, qTail = 1 - top.reduce(0.0) { $0 + q[$1] }
        XCTAssertEqual(Double(teacher.tailMass[0]), pTail, accuracy: 1e-6)
        let expected = top.reduce(0.0) { $0 + p[$1] * log(p[$1] / q[$1]) } + pTail * log(pTail / qTail)
        let sums = try LossLayer.forward(z, [0], teacher, DistillationLoss(kind: .kl, alpha: 1), 1, V)
        XCTAssertEqual(sums.kl, expected, accuracy: 1e-5)
    }

    func testMixtureUnionsIdsAndMixesTails() throws {
        let a = try TeacherTargets(positions: 1, k: 2, temperature: 1, ids: [4, 7], logprobs: [log(0.5), log(0.3)],
                                   tailMass: [0.2])
        let b = try TeacherTargets(positions: 1, k: 2, temperature: 1, ids: [7, 9], logprobs: [log(0.6), log(0.1)],
                                   tailMass: [0.3])
        let mixed = try TeacherTargets.mixture([a, b], weights: [3, 1])
        var probability: [Int32: Float] = [:]
        for j in 0..<mixed.k where mixed.ids[j] >= 0 { probability[mixed.ids[j]] = exp(mixed.logprobs[j]) }
        XCTAssertEqual(probability[4]!, 0.75 * 0.5, accuracy: 1e-6)
        XCTAssertEqual(probability[7]!, 0.75 * 0.3 + 0.25 * 0.6, accuracy: 1e-6)
        XCTAssertEqual(probability[9]!, 0.25 * 0.1, accuracy: 1e-6)
        XCTAssertEqual(mixed.tailMass[0], 0.75 * 0.2 + 0.25 * 0.3, accuracy: 1e-6)
        XCTAssertEqual(mixed.ids[0], 7, "most likely first")
    }

    func testBadInputsAreTypedErrors() throws {
        XCTAssertThrowsError(try DistillationLoss(name: "mse")) { XCTAssertEqual($0 as? TrainingError, .unknownLoss("mse")) }
        XCTAssertThrowsError(try TeacherTargets(positions: 1, k: 2, temperature: 1, ids: [3, 3], logprobs: [-1, -2],
                                                tailMass: [0.1]))
        let teacher = try TeacherTargets(positions: 1, k: 1, temperature: 2, ids: [40], logprobs: [-0.1], tailMass: [0.1])
        let logits = [Float](repeating: 0, count: V)
        XCTAssertThrowsError(try LossLayer.forward(logits, [0], teacher, DistillationLoss(temperature: 2), 1, V),
                             "teacher id beyond the student's vocabulary")
        let inVocabulary = try TeacherTargets(positions: 1, k: 1, temperature: 2, ids: [4], logprobs: [-0.1], tailMass: [0.1])
        XCTAssertThrowsError(try LossLayer.forward(logits, [0], inVocabulary, DistillationLoss(temperature: 1), 1, V),
                             "temperature mismatch")
        XCTAssertThrowsError(try LossLayer.forward(logits, [0], nil, DistillationLoss(), 1, V), "kl without a teacher")
        XCTAssertThrowsError(try LossLayer.forward(logits, [Int32(V)], nil, DistillationLoss(kind: .ce), 1, V))
    }

    private func softmax(_ x: [Double]) -> [Double] {
        let m = x.max()!, e = x.map { exp($0 - m) }, s = e.reduce(0, +)
        return e.map { $0 / s }
    }
}
