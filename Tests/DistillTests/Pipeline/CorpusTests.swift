import Foundation
import XCTest
@testable import Distill

final class CorpusTests: XCTestCase {
    func testFoldersAreReadRecursivelyThroughTheFilterAndDuplicatesDropped() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        try folder.write("a = 1\n", to: "src/a.py")
        try folder.write("b = 2\n", to: "src/pkg/b.py")
        try folder.write("a = 1\n", to: "src/pkg/copy_of_a.py")  // exact duplicate
        try folder.write("notes\n", to: "src/notes.txt")  // not *.py
        try folder.write("t = 3\n", to: "src/test/test_a.py")  // excluded folder
        try folder.write("h = 4\n", to: "src/.hidden/h.py")  // hidden
        try folder.write("   \n\n", to: "src/blank.py")  // only whitespace

        let corpus = try Corpus.load(CorpusOptions(
            inputs: [folder.file("src")], filter: FileFilter(include: ["*.py"], exclude: ["test"]), evalFraction: 0))
        XCTAssertEqual(corpus.training.map(\.text), ["a = 1\n", "b = 2\n"])
        XCTAssertEqual(corpus.training.map { ($0.source as NSString).lastPathComponent }, ["a.py", "b.py"])
        XCTAssertEqual(corpus.duplicatesDropped, 1)
        XCTAssertTrue(corpus.heldOut.isEmpty)
    }

    func testExcludePatternsWithASlashMatchTheRelativePath() {
        let filter = FileFilter(include: ["*.py"], exclude: ["*/idle_test/*", "lib2to3"])
        XCTAssertTrue(filter.accepts(relativePath: "os.py"))
        XCTAssertTrue(filter.accepts(relativePath: "idlelib/editor.py"))
        XCTAssertFalse(filter.accepts(relativePath: "idlelib/idle_test/test_editor.py"))
        XCTAssertFalse(filter.accepts(relativePath: "lib2to3/fixer_base.py"))
        XCTAssertFalse(filter.accepts(relativePath: "os.pyc"))
        XCTAssertFalse(filter.accepts(relativePath: ".git/config.py"))
    }

    func testUnreadableBinaryAndNonUTF8FilesAreReportedAndSkipped() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        try folder.write("good text\n", to: "in/good.txt")
        try Data([0x66, 0x6F, 0xFF, 0xFE, 0x0A]).write(to: URL(fileURLWithPath: folder.file("in/latin1.txt")))
        try Data([0x61, 0x00, 0x62]).write(to: URL(fileURLWithPath: folder.file("in/binary.txt")))
        let corpus = try Corpus.load(CorpusOptions(inputs: [folder.file("in"), folder.file("missing.txt")], evalFraction: 0))
        XCTAssertEqual(corpus.training.map(\.text), ["good text\n"])
        let reasons = Dictionary(uniqueKeysWithValues: corpus.skipped.map { (($0.path as NSString).lastPathComponent, $0.reason) })
        XCTAssertEqual(reasons["latin1.txt"], "not UTF-8")
        XCTAssertEqual(reasons["binary.txt"], "binary (contains NUL bytes)")
        XCTAssertEqual(reasons["missing.txt"], "no such file or folder")
    }

    func testNothingLeftIsAnErrorThatSaysWhy() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        try Data([0xC3, 0x28]).write(to: URL(fileURLWithPath: folder.file("bad.txt")))
        XCTAssertThrowsError(try Corpus.load(CorpusOptions(inputs: [folder.file("bad.txt")]))) { error in
            guard case DistillError.emptyCorpus(let why) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(why.contains("not UTF-8"), why)
        }
    }

    func testJSONLRecordsAreDocumentsAndBadLinesAreReported() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        try folder.write("{\"text\": \"first\"}\r\n\n{\"id\": 2}\nnot json\n{\"text\": \"second\", \"meta\": 1}\n",
                         to: "data.jsonl")
        let corpus = try Corpus.load(CorpusOptions(inputs: [folder.file("data.jsonl")], evalFraction: 0))
        XCTAssertEqual(corpus.training.map(\.text), ["first", "second"])
        XCTAssertEqual(corpus.training.map { $0.source.split(separator: ":").last! }, ["1", "5"])
        XCTAssertEqual(corpus.skipped.count, 1)
        XCTAssertTrue(corpus.skipped[0].reason.hasPrefix("2 lines (first: line 3)"), corpus.skipped[0].reason)
    }

    func testTheHeldOutSplitIsByDocumentDeterministicAndSeeded() throws {
        let texts = SyntheticCorpus.documents(count: 60)
        let documents = texts.enumerated().map { CorpusDocument(text: $1, source: "doc\($0)") }
        let (training, heldOut) = HeldOutSplit.split(documents, fraction: 0.1, seed: 5)
        XCTAssertEqual(Set(training.map(\.source)).union(heldOut.map(\.source)).count, 60, "every document on one side")
        XCTAssertTrue(Set(training.map(\.source)).isDisjoint(with: heldOut.map(\.source)))
        let share = Double(heldOut.reduce(0) { $0 + $1.byteCount }) / Double(documents.reduce(0) { $0 + $1.byteCount })
        XCTAssertGreaterThan(share, 0.05)
        XCTAssertLessThanOrEqual(share, 0.1)
        // the same documents in another order give the same split; another seed gives another
        let again = HeldOutSplit.split(documents.reversed(), fraction: 0.1, seed: 5).heldOut
        XCTAssertEqual(Set(again.map(\.source)), Set(heldOut.map(\.source)))
        XCTAssertNotEqual(Set(HeldOutSplit.split(documents, fraction: 0.1, seed: 6).heldOut.map(\.source)),
                          Set(heldOut.map(\.source)))
        // a fraction too small for any document still holds one out: the smallest
        let tiny = HeldOutSplit.split(documents, fraction: 1e-6, seed: 5).heldOut
        XCTAssertEqual(tiny.count, 1)
        XCTAssertEqual(tiny[0].byteCount, documents.map(\.byteCount).min())
    }

    func testExplicitEvalDataIsHeldOutAndRemovedFromTraining() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        try folder.write("shared = 1\n", to: "train/a.py")
        try folder.write("only = 2\n", to: "train/b.py")
        try folder.write("shared = 1\n", to: "eval/a.py")
        let corpus = try Corpus.load(CorpusOptions(inputs: [folder.file("train")], evalInputs: [folder.file("eval")]))
        XCTAssertEqual(corpus.heldOut.map(\.text), ["shared = 1\n"])
        XCTAssertEqual(corpus.training.map(\.text), ["only = 2\n"])
        XCTAssertEqual(corpus.duplicatesDropped, 1)
    }

    func testASingleDocumentCannotBeSplit() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        try folder.write("x = 1\n", to: "one.py")
        XCTAssertThrowsError(try Corpus.load(CorpusOptions(inputs: [folder.file("one.py")])))
        XCTAssertEqual(try Corpus.load(CorpusOptions(inputs: [folder.file("one.py")], evalFraction: 0)).training.count, 1)
    }

    func testCorpusDigestDependsOnTextNotPaths() throws {
        let a = try TemporaryFolder(), b = try TemporaryFolder()
        defer { a.cleanUp(); b.cleanUp() }
        for (i, text) in SyntheticCorpus.documents(count: 5).enumerated() {
            try a.write(text, to: "x/\(i).py")
            try b.write(text, to: "elsewhere/\(i).py")
        }
        let one = try Corpus.load(CorpusOptions(inputs: [a.file("x")]))
        let two = try Corpus.load(CorpusOptions(inputs: [b.file("elsewhere")]))
        XCTAssertEqual(one.sha256, two.sha256)
        try b.write("changed\n", to: "elsewhere/9.py")
        XCTAssertNotEqual(try Corpus.load(CorpusOptions(inputs: [b.file("elsewhere")])).sha256, one.sha256)
    }
}
