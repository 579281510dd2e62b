import Tokenizer
import XCTest

final class StreamingDecoderTests: XCTestCase {
    /// Feeds ids one at a time; checks that no piece handed out holds a broken character and that the
    /// pieces add up to `decode`.
    private func assertStreams(_ ids: [Int32], _ tokenizer: Tokenizer, renderSpecial: Bool = false,
                               file: StaticString = #filePath, line: UInt = #line) {
        var decoder = tokenizer.makeStreamingDecoder(renderSpecial: renderSpecial)
        var streamed = ""
        for id in ids {
            let chunk = decoder.append(id)
            XCTAssertFalse(chunk.unicodeScalars.contains("\u{FFFD}"), "half a character was handed out", file: file, line: line)
            streamed += chunk
        }
        streamed += decoder.finish()
        XCTAssertEqual(streamed, tokenizer.decode(ids, renderSpecial: renderSpecial), file: file, line: line)
    }

    func testCharactersSplitOverByteTokensComeOutWhole() throws {
        let tokenizer = try SyntheticVocabulary.tokenizer(addSpacePrefix: false)
        let ids = tokenizer.encode("é🙂日x", addBOS: false)
        XCTAssertEqual(ids.count, 2 + 4 + 3 + 1, "every character but x falls back to bytes")
        var decoder = tokenizer.makeStreamingDecoder()
        let chunks = ids.map { decoder.append($0) }
        XCTAssertEqual(chunks, ["", "é", "", "", "", "🙂", "", "", "日", "x"])
        XCTAssertFalse(decoder.hasPendingBytes)
        XCTAssertEqual(decoder.finish(), "")
    }

    func testLeadingSpaceIsRemovedOnlyFromTheFirstToken() throws {
        let tokenizer = try SyntheticVocabulary.tokenizer()
        let ids = tokenizer.encode("hello world", addBOS: false)
        var decoder = tokenizer.makeStreamingDecoder()
        XCTAssertEqual(ids.map { decoder.append($0) }, ["hello", " world"])
        var continuing = tokenizer.makeStreamingDecoder(isContinuation: true)
        XCTAssertEqual(ids.map { continuing.append($0) }, [" hello", " world"])
    }

    func testUnfinishedCharacterIsFlushedAsReplacement() throws {
        let tokenizer = try SyntheticVocabulary.tokenizer(addSpacePrefix: false)
        let ids = tokenizer.encode("🙂", addBOS: false)
        var decoder = tokenizer.makeStreamingDecoder()
        XCTAssertEqual(ids.dropLast().map { decoder.append($0) }, ["", "", ""])
        XCTAssertTrue(decoder.hasPendingBytes)
        XCTAssertEqual(decoder.finish(), "\u{FFFD}")
        // Ill-formed bytes are not held back waiting for a continuation that cannot come.
        let lone = try XCTUnwrap(tokenizer.id(forPiece: "<0xC0>"))
        XCTAssertEqual(decoder.append(lone), "\u{FFFD}")
    }

    func testStreamsRandomTextLikeDecode() throws {
        let tokenizer = try SyntheticVocabulary.tokenizer(addSpacePrefix: false)
        var random = RandomText(seed: 5)
        for _ in 0..<200 {
            assertStreams(tokenizer.encode(random.string(length: random.int(0..<60)), addBOS: true), tokenizer)
        }
    }

    func testStreamsTeacherTokens() throws {
        let tokenizer = try Teacher.tokenizer()
        var random = RandomText(seed: 6)
        for _ in 0..<100 {
            let ids = tokenizer.encode("<start_of_turn>" + random.string(length: random.int(0..<80)), addBOS: true)
            assertStreams(ids, tokenizer)
            assertStreams(ids, tokenizer, renderSpecial: true)
        }
    }
}
