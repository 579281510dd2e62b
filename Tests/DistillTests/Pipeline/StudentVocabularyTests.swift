import Tokenizer
import XCTest
@testable import Distill

final class StudentVocabularyTests: XCTestCase {
    private let texts = SyntheticCorpus.documents(count: 40)
    private var documents: [CorpusDocument] { texts.map { CorpusDocument(text: $0, source: "") } }

    private func select(size: Int) throws -> (teacher: Tokenizer, student: StudentVocabulary) {
        let teacher = try Tokenizer(vocabulary: SyntheticTeacher.vocabulary(for: texts))
        return (teacher, try StudentVocabulary.select(teacher: teacher, documents: documents, size: size))
    }

    func testKeepsSpecialsBytesAndTheMostFrequentPiecesUpToTheSize() throws {
        let (teacher, student) = try select(size: 300)
        XCTAssertLessThanOrEqual(student.size, 300)
        XCTAssertGreaterThan(student.size, 290, "the corpus uses more pieces than fit, so the budget is filled")
        let keptTexts = Set(student.trimmed.vocabulary.tokens)
        for special in ["<pad>", "<eos>", "<bos>", "<unk>", "\n", "    ", "▁"] {
            XCTAssertTrue(keptTexts.contains(special), special)
        }
        XCTAssertEqual(student.trimmed.vocabulary.types.filter { $0 == .byte }.count, 256)
        XCTAssertEqual(student.tokenizer.bosID, student.trimmed.oldToNew[Int(teacher.bosID!)])
        XCTAssertEqual(student.tokenizer.eosID, student.trimmed.oldToNew[Int(teacher.eosID!)])

        // the most frequent teacher token that is a normal piece is kept; one the corpus never uses is not
        let counts = TokenCounts(teacher, documents: documents).counts
        let normal = counts.indices.filter { teacher.isNormal(Int32($0)) }
        let top = normal.max { counts[$0] < counts[$1] }!
        XCTAssertGreaterThanOrEqual(student.trimmed.oldToNew[top], 0)
        if let unused = normal.first(where: { counts[$0] == 0 }) {
            XCTAssertEqual(student.trimmed.oldToNew[unused], -1)
        }
    }

    func testIdsMapBothWaysAndTextTokenizesToTheSameSequenceForBoth() throws {
        let (teacher, student) = try select(size: 350)
        for (new, old) in student.teacherIDs.enumerated() {
            XCTAssertEqual(student.trimmed.oldToNew[Int(old)], Int32(new))
            XCTAssertEqual(student.trimmed.vocabulary.tokens[new], teacher.vocabulary.tokens[Int(old)])
        }
        for text in texts.prefix(5) + ["def zebra_ü(): return 'ok'  # never seen"] {
            let ids = student.tokenizer.encode(text, addBOS: false)
            XCTAssertEqual(student.tokenizer.decode(ids), text)
            XCTAssertEqual(teacher.decode(ids.map { student.teacherIDs[Int($0)] }), text,
                           "the student's tokens, as teacher ids, are the same text for the teacher")
        }
    }

    /// Keeping each piece's merge path keeps it reachable: with room for every piece the corpus uses, the
    /// student tokenizes the text exactly as the teacher does.
    func testWithRoomForEveryUsedPieceTheStudentTokenizesAsTheTeacher() throws {
        let (teacher, student) = try select(size: 2000)
        XCTAssertLessThan(student.size, 2000)
        XCTAssertEqual(student.report.studentTokens, student.report.teacherTokens)
        XCTAssertEqual(student.report.teacherTokensCovered, 1)
        for text in texts.prefix(10) {
            XCTAssertEqual(student.tokenizer.encode(text, addBOS: false).map { student.teacherIDs[Int($0)] },
                           teacher.encode(text, addBOS: false))
        }
    }

    func testMergePathsFollowTheTokenizersMergeOrder() throws {
        let teacher = try Tokenizer(vocabulary: SyntheticTeacher.vocabulary(for: texts))
        var paths = MergePaths(teacher)
        for piece in ["▁value", "▁def", "range"] {
            let id = try XCTUnwrap(teacher.id(forPiece: piece), piece)
            let path = paths.path(to: id)
            XCTAssertEqual(path.last, id, "the last merge makes the piece")
            // each merged piece is the concatenation of pieces already there: its text is a substring of the piece
            for step in path { XCTAssertTrue(piece.contains(teacher.piece(for: step)!)) }
            XCTAssertEqual(teacher.encode(piece.replacingOccurrences(of: "▁", with: " "), addBOS: false), [id])
        }
    }

    func testTheDigestNamesTheVocabulary() throws {
        XCTAssertEqual(try select(size: 350).student.sha256, try select(size: 350).student.sha256)
        XCTAssertNotEqual(try select(size: 350).student.sha256, try select(size: 351).student.sha256)
    }

    func testASizeBelowTheRequiredTokensIsRefused() throws {
        let teacher = try Tokenizer(vocabulary: SyntheticTeacher.vocabulary(for: texts))
        XCTAssertThrowsError(try StudentVocabulary.select(teacher: teacher, documents: documents, size: 100)) { error in
            XCTAssertTrue("\(error)".contains("smaller than the 263 tokens"), "\(error)")
        }
    }
}
