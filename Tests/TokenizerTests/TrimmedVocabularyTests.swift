import Foundation
import GGUF
import Tokenizer
import XCTest

final class TrimmedVocabularyTests: XCTestCase {
    /// A student-style vocabulary: the teacher's specials, the byte tokens and the pieces a corpus uses.
    private func trimmedTeacher() throws -> (teacher: Tokenizer, trimmed: TrimmedVocabulary) {
        let teacher = try Teacher.tokenizer()
        let corpus = try Reference.load().tokenize.map(\.text)
        let used = Set(corpus.flatMap { teacher.encode($0, addBOS: false) })
        let trimmed = try teacher.vocabulary.trimmed(keeping: Array(used) + teacher.vocabulary.specialTokenIDs())
        return (teacher, trimmed)
    }

    func testTrimmedTeacherVocabularyRoundTripsAnyText() throws {
        let (teacher, trimmed) = try trimmedTeacher()
        let student = try Tokenizer(vocabulary: trimmed.vocabulary)
        XCTAssertLessThan(student.vocabularySize, 1_000)
        XCTAssertEqual(student.bosID, trimmed.oldToNew[2])
        XCTAssertEqual(student.eosID, trimmed.oldToNew[1])
        XCTAssertEqual(student.unknownID, trimmed.oldToNew[3])
        XCTAssertEqual(student.endOfGenerationIDs, Set([1, 106, 212].map { trimmed.oldToNew[$0] }))

        var random = RandomText(seed: 3)
        let texts = try Reference.load().tokenize.map(\.text).filter { !$0.contains("<bos>") }
            + (0..<200).map { _ in random.string(length: random.int(0..<100)) } + ["Zebra 🦓 ✓ never seen"]
        for text in texts {
            let ids = student.encode(text, addBOS: true)
            XCTAssertTrue(ids.allSatisfy { student.isValid($0) })
            XCTAssertEqual(student.decode(ids), text)
            XCTAssertEqual(teacher.decode(ids.map { trimmed.newToOld[Int($0)] }), text, "ids map back to the teacher's")
        }
    }

    func testIdMapsAreInverseAndKeepOrder() throws {
        let (teacher, trimmed) = try trimmedTeacher()
        XCTAssertEqual(trimmed.newToOld, trimmed.newToOld.sorted())
        XCTAssertEqual(trimmed.oldToNew.count, teacher.vocabularySize)
        for (new, old) in trimmed.newToOld.enumerated() {
            XCTAssertEqual(trimmed.oldToNew[Int(old)], Int32(new))
            XCTAssertEqual(trimmed.vocabulary.tokens[new], teacher.vocabulary.tokens[Int(old)])
            XCTAssertEqual(trimmed.vocabulary.scores[new], teacher.vocabulary.scores[Int(old)])
        }
        XCTAssertEqual(trimmed.oldToNew.filter { $0 >= 0 }.count, trimmed.vocabulary.count)
        XCTAssertEqual(trimmed.vocabulary.types.filter { $0 == .byte }.count, 256)
        XCTAssertThrowsError(try teacher.vocabulary.trimmed(keeping: [300_000])) { error in
            XCTAssertEqual(error as? TokenizerError, .idOutOfRange(300_000, vocabularySize: 262_144))
        }
    }

    func testTrimmedVocabularySurvivesAGGUFFile() throws {
        let (_, trimmed) = try trimmedTeacher()
        var writer = GGUFWriter()
        writer.set("general.architecture", .string("llama"))
        trimmed.vocabulary.write(into: &writer)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trimmed-\(UUID()).gguf").path
        try writer.write(to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }

        let reloaded = try TokenizerVocabulary(gguf: GGUFFile(path: path))
        XCTAssertEqual(reloaded, trimmed.vocabulary)
        let text = "def fibonacci(n):\n    return n"
        XCTAssertEqual(try Tokenizer(vocabulary: reloaded).encode(text, addBOS: true),
                       try Tokenizer(vocabulary: trimmed.vocabulary).encode(text, addBOS: true))
    }

    func testTrimmingSyntheticVocabularyKeepsBytesAndSpecials() throws {
        let vocabulary = try SyntheticVocabulary.vocabulary()
        let trimmed = try vocabulary.trimmed(keeping: [])
        XCTAssertEqual(trimmed.vocabulary.count, 256 + 4 + 1 + 1, "bytes, pad/eos/bos/unk, <end_of_turn> and ▁")
        let tokenizer = try Tokenizer(vocabulary: trimmed.vocabulary)
        XCTAssertEqual(tokenizer.decode(tokenizer.encode("hello wörld", addBOS: false)), "hello wörld")
    }
}
