import Engine
import Foundation
import GGUF
import Tokenizer
import XCTest
@testable import Distill

/// Targets for a trimmed vocabulary: the teacher's probability on a token the student lacks goes to the first
/// student piece of that token's spelling.
final class FirstPieceTargetsTests: XCTestCase {
    /// A teacher vocabulary in which " subprocess" merges ▁s, pr, ▁su, pro, ▁sub, proc, ss, proce, process and
    /// finally ▁subprocess (higher scores merge first); the student keeps everything but ▁subprocess and é.
    private static let pieces: [(String, Float)] = [
        ("▁", -1), ("s", -9), ("u", -9), ("b", -9), ("p", -9), ("r", -9), ("o", -9), ("c", -9), ("e", -9),
        ("▁s", -2.0), ("pr", -2.1), ("▁su", -2.2), ("pro", -2.3), ("▁sub", -2.4), ("proc", -2.5), ("ss", -2.6),
        ("proce", -2.7), ("process", -2.9), ("▁subprocess", -3.5), ("é", -9),
    ]

    private func teacher() throws -> Tokenizer {
        let specials: [(String, TokenType)] = [("<pad>", .control), ("<eos>", .control), ("<bos>", .control),
                                               ("<unk>", .unknown), ("<unused0>", .control)]
        let tokens = specials.map(\.0) + (0...255).map { TokenizerVocabulary.byteTokenText(UInt8($0)) } + Self.pieces.map(\.0)
        let types = specials.map(\.1) + Array(repeating: TokenType.byte, count: 256)
            + Array(repeating: TokenType.normal, count: Self.pieces.count)
        let scores = Array(repeating: Float(-1000), count: specials.count) + Array(repeating: 0, count: 256) + Self.pieces.map(\.1)
        return try Tokenizer(vocabulary: TokenizerVocabulary(
            tokens: tokens, scores: scores, types: types, specialIDs: SpecialTokenIDs(bos: 2, eos: 1, unknown: 3, padding: 0),
            addBOS: true, addSpacePrefix: false))
    }

    private struct Setup {
        let teacher: Tokenizer, student: Tokenizer, trimmed: TrimmedVocabulary, map: FirstPieceMap
        func teacherID(_ piece: String) -> Int { Int(teacher.id(forPiece: piece)!) }
        func studentID(_ piece: String) -> Int32 { student.id(forPiece: piece)! }
    }

    /// V = the teacher's vocabulary + 2 output rows with no token.
    private func setup() throws -> Setup {
        let teacher = try teacher()
        let dropped = Set(["▁subprocess", "é"].map { teacher.id(forPiece: $0)! } + [4])  // and <unused0>
        let trimmed = try teacher.vocabulary.trimmed(keeping: (0..<Int32(teacher.vocabularySize)).filter { !dropped.contains($0) })
        let student = try Tokenizer(vocabulary: trimmed.vocabulary)
        let map = FirstPieceMap(teacher: teacher, student: student, teacherIDs: trimmed.newToOld,
                                outputRows: teacher.vocabularySize + 2)
        return Setup(teacher: teacher, student: student, trimmed: trimmed, map: map)
    }

    func testEachTeacherTokenGoesToItselfOrToTheFirstStudentPieceOfItsSpelling() throws {
        let s = try setup()
        XCTAssertEqual(s.teacher.encode(" subprocess", addBOS: false), [Int32(s.teacherID("▁subprocess"))])
        XCTAssertEqual(s.student.encode(" subprocess", addBOS: false), [s.studentID("▁sub"), s.studentID("process")])

        XCTAssertEqual(s.map.studentIDs.count, s.teacher.vocabularySize + 2)
        XCTAssertEqual(s.map.studentVocabularySize, s.trimmed.newToOld.count)
        XCTAssertEqual(s.map.studentIDs[s.teacherID("▁subprocess")], s.studentID("▁sub"))
        XCTAssertEqual(s.map.studentIDs[s.teacherID("é")], s.studentID("<0xC3>"), "é is spelled in bytes, 0xC3 0xA9")
        XCTAssertEqual(s.map.studentIDs[4], FirstPieceMap.nowhere, "an unused control token has no spelling")
        XCTAssertEqual(Array(s.map.studentIDs.suffix(2)), [FirstPieceMap.nowhere, FirstPieceMap.nowhere])
        for (new, old) in s.trimmed.newToOld.enumerated() {
            XCTAssertEqual(s.map.studentIDs[Int(old)], Int32(new), "a kept token keeps its probability")
        }
        XCTAssertEqual(s.map.respelledCount, 2)
    }

    func testFoldingSumsTheProbabilitiesOfEveryTeacherTokenEachStudentTokenReceives() throws {
        let s = try setup()
        let V = s.map.studentIDs.count, S = s.map.studentVocabularySize, temperature: Float = 2
        // two rows: the second shifted by 500, which exp() alone would overflow
        var logits = [Float](repeating: -20, count: 2 * V)
        for (shift, row) in [(Float(0), 0), (500, 1)] {
            for i in 0..<V { logits[row * V + i] += shift }
            logits[row * V + s.teacherID("▁sub")] = 2 + shift
            logits[row * V + s.teacherID("▁subprocess")] = 3 + shift
            logits[row * V + s.teacherID("é")] = 1 + shift
            logits[row * V + 4] = 6 + shift  // <unused0>: dropped, the rest renormalized
        }
        let folded = s.map.fold(logits, rows: 2, temperature: temperature)
        XCTAssertEqual(folded.count, 2 * S)
        // the folded distribution, computed by hand in Double
        let background = exp(-20.0 / 2)
        let mapped = Double(V - 3 - 3) * background  // everything else that has a student token
        let z = mapped + exp(1.0) + exp(1.5) + exp(0.5)
        for row in 0..<2 {
            let p = softmax(Array(folded[(row * S)..<((row + 1) * S)]))
            XCTAssertEqual(p[Int(s.studentID("▁sub"))], (exp(1.0) + exp(1.5)) / z, accuracy: 1e-6)
            XCTAssertEqual(p[Int(s.studentID("<0xC3>"))], (exp(0.5) + background) / z, accuracy: 1e-6)
            XCTAssertEqual(p[Int(s.studentID("process"))], background / z, accuracy: 1e-7)
            XCTAssertEqual(p.reduce(0, +), 1, accuracy: 1e-9)
        }

        let targets = try s.map.targets(folded: folded, k: 3, temperature: temperature)
        XCTAssertEqual(targets.temperature, temperature)
        XCTAssertEqual(Array(targets.ids.prefix(2)), [s.studentID("▁sub"), s.studentID("<0xC3>")])
        XCTAssertEqual(Double(targets.logprobs[0]), log((exp(1.0) + exp(1.5)) / z), accuracy: 1e-5)
        XCTAssertEqual(Double(targets.tailMass[0]), 1 - (exp(1.0) + exp(1.5) + exp(0.5) + 2 * background) / z,
                       accuracy: 1e-6)
    }

    private func softmax(_ u: [Float]) -> [Double] {
        let m = Double(u.max()!)
        let e = u.map { exp(Double($0) - m) }
        let total = e.reduce(0, +)
        return e.map { $0 / total }
    }

    /// A real (random, tiny) Llama teacher: the cached targets of a sequence longer than one chunk of full
    /// logits are the top-k of its whole-sequence distribution folded by hand.
    func testATeachersTargetsFoldItsWholeDistributionChunkByChunk() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let texts = SyntheticCorpus.documents(count: 12)
        try SyntheticTeacher.write(to: folder.file("teacher.gguf"), texts: texts)
        let file = try GGUFFile(path: folder.file("teacher.gguf"))
        let model = try LlamaModel(file: file), tokenizer = try Tokenizer(gguf: file)
        let vocabulary = try StudentVocabulary.select(teacher: tokenizer, documents: texts.map { CorpusDocument(text: $0, source: "") },
                                                      size: 300)
        let map = FirstPieceMap(teacher: tokenizer, vocabulary: vocabulary, outputRows: model.config.vocabularySize)
        XCTAssertGreaterThan(map.respelledCount, 100, "most of the teacher's pieces are spelled by the student")
        let T = ModelTeacherForward<LlamaModel>.fullLogitRows + 36, k = 6, temperature: Float = 1.5
        let sequence = Array(vocabulary.encode([CorpusDocument(text: texts.joined(), source: "")])[0].prefix(T))
        XCTAssertEqual(sequence.count, T)

        let forward = try makeTeacherForward(model, teacherIDs: vocabulary.teacherIDs, contextLength: T, firstPieces: map)
        let targets = try forward.targets(sequence[...], k: k, temperature: temperature)
        let full = try forward.fullLogits(sequence[...])  // [T, V], one pass
        let V = model.config.vocabularySize, S = vocabulary.size
        for t in [0, 63, 64, T - 1] {
            var q = [Double](repeating: 0, count: S)
            let row = full[(t * V)..<((t + 1) * V)].map { Double($0) / Double(temperature) }
            let m = row.max()!
            for (v, z) in row.enumerated() where map.studentIDs[v] >= 0 { q[Int(map.studentIDs[v])] += exp(z - m) }
            let total = q.reduce(0, +)
            let best = q.indices.sorted { q[$0] > q[$1] }.prefix(k)
            XCTAssertEqual(targets.ids[(t * k)..<((t + 1) * k)].map(Int.init), Array(best), "position \(t)")
            for (j, s) in best.enumerated() {
                XCTAssertEqual(Double(targets.logprobs[t * k + j]), log(q[s] / total), accuracy: 2e-4, "position \(t)")
            }
        }
        // the default, without a map: the student's rows renormalized
        let restricted = try makeTeacherForward(model, teacherIDs: vocabulary.teacherIDs, contextLength: T)
        XCTAssertEqual(try restricted.targets(sequence[...], k: k, temperature: temperature),
                       try TeacherTargets(logits: restricted.studentLogits(sequence[...]), vocabularySize: S, k: k,
                                          temperature: temperature))
    }
}
