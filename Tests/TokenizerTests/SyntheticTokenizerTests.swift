import Tokenizer
import XCTest

/// The merge loop, specials and decoding on a small vocabulary built in memory: no teacher needed.
final class SyntheticTokenizerTests: XCTestCase {
    private func ids(_ pieces: [String], _ tokenizer: Tokenizer) throws -> [Int32] {
        try pieces.map { try XCTUnwrap(tokenizer.id(forPiece: $0), "no piece '\($0)'") }
    }

    func testHigherScoreBeatsLeftmostPair() throws {
        let tokenizer = try SyntheticVocabulary.tokenizer(addSpacePrefix: false)
        XCTAssertEqual(tokenizer.encode("xyz", addBOS: false), try ids(["x", "yz"], tokenizer))
    }

    func testTiedScoresMergeLeftmostPairFirst() throws {
        let tokenizer = try SyntheticVocabulary.tokenizer(addSpacePrefix: false)
        XCTAssertEqual(tokenizer.encode("tix", addBOS: false), try ids(["ti", "x"], tokenizer))
    }

    func testMergesInScoreOrderWithSpacePrefix() throws {
        let tokenizer = try SyntheticVocabulary.tokenizer()
        // "▁hello▁world": he, ll, llo (tie with or/ld, leftmost), or, ld, hello, ▁w, orld, ▁world, ▁hello.
        XCTAssertEqual(tokenizer.encode("hello world", addBOS: false), try ids(["▁hello", "▁world"], tokenizer))
        XCTAssertEqual(tokenizer.encode("hello world", addBOS: true), [2] + (try ids(["▁hello", "▁world"], tokenizer)))
        XCTAssertEqual(tokenizer.encode("hi", addBOS: false, addEOS: true), [try ids(["▁hi"], tokenizer)[0], 1])
    }

    func testDecodeRemovesTheSpacePrefixOnceUnlessContinuing() throws {
        let tokenizer = try SyntheticVocabulary.tokenizer()
        let encoded = tokenizer.encode("hello world", addBOS: false)
        XCTAssertEqual(tokenizer.decode(encoded), "hello world")
        XCTAssertEqual(tokenizer.decode(encoded, isContinuation: true), " hello world")
        XCTAssertEqual(tokenizer.decode(tokenizer.encode("  hi", addBOS: false)), "  hi")
        // As llama.cpp: the first token takes the strip even when it renders nothing (BOS).
        XCTAssertEqual(tokenizer.decode(tokenizer.encode("hi", addBOS: true)), " hi")
        XCTAssertEqual(tokenizer.decode(tokenizer.encode("hi", addBOS: true), renderSpecial: true), "<bos> hi")
    }

    func testUnknownCharactersFallBackToBytes() throws {
        let tokenizer = try SyntheticVocabulary.tokenizer(addSpacePrefix: false)
        XCTAssertEqual(tokenizer.encode("é", addBOS: false), try ids(["<0xC3>", "<0xA9>"], tokenizer))
        XCTAssertEqual(tokenizer.encode("hé", addBOS: false), try ids(["h", "<0xC3>", "<0xA9>"], tokenizer))
        XCTAssertEqual(tokenizer.decode(tokenizer.encode("hé🙂", addBOS: false)), "hé🙂")
        XCTAssertEqual(tokenizer.pieceBytes(for: try ids(["<0x0A>"], tokenizer)[0]), [0x0A])
    }

    func testSpecialsAreCutLongestFirstAsLlamaCpp() throws {
        let tokenizer = try SyntheticVocabulary.tokenizer(addSpacePrefix: false)
        // "bcd" is longer than "ab", so it is cut first although "ab" starts earlier.
        XCTAssertEqual(tokenizer.encode("abcd", addBOS: false), try ids(["a", "bcd"], tokenizer))
        XCTAssertEqual(tokenizer.encode("<start_of_turn>x<start><end_of_turn>\n", addBOS: false),
                       try ids(["<start_of_turn>", "x", "<start>", "<end_of_turn>", "\n"], tokenizer))
        XCTAssertEqual(tokenizer.encode("x  y", addBOS: false), try ids(["x", "  ", "y"], tokenizer))
        XCTAssertEqual(tokenizer.encode("abab", addBOS: false), try ids(["ab", "ab"], tokenizer))
    }

    func testSpacePrefixFollowsEverySpecial() throws {
        let tokenizer = try SyntheticVocabulary.tokenizer()
        XCTAssertEqual(tokenizer.encode("<bos>hi\nhi", addBOS: false), try ids(["<bos>", "▁hi", "\n", "▁hi"], tokenizer))
    }

    func testWithoutParseSpecialOnlyUserDefinedTokensAreCut() throws {
        let tokenizer = try SyntheticVocabulary.tokenizer(addSpacePrefix: false)
        let plain = tokenizer.encode("<bos>\n", addBOS: false, parseSpecial: false)
        XCTAssertFalse(plain.contains(2))
        XCTAssertEqual(plain.last, try ids(["\n"], tokenizer)[0])
        XCTAssertEqual(tokenizer.decode(plain), "<bos>\n")
        XCTAssertEqual(tokenizer.encode("<bos>\n", addBOS: false), try ids(["<bos>", "\n"], tokenizer))
    }

    func testControlTokensDecodeToNothingUnlessRendered() throws {
        let tokenizer = try SyntheticVocabulary.tokenizer(addSpacePrefix: false)
        let encoded = tokenizer.encode("<start_of_turn>hi<end_of_turn>", addBOS: true)
        XCTAssertEqual(tokenizer.decode(encoded), "hi")
        XCTAssertEqual(tokenizer.decode(encoded, renderSpecial: true), "<bos><start_of_turn>hi<end_of_turn>")
        XCTAssertEqual(tokenizer.decode([-1, 99_999] + encoded), "hi", "ids outside the vocabulary give nothing")
        XCTAssertTrue(tokenizer.isControl(2))
        XCTAssertTrue(tokenizer.isUserDefined(7))
        XCTAssertTrue(tokenizer.isByte(11))
        XCTAssertFalse(tokenizer.isControl(-5))
        XCTAssertEqual(tokenizer.endOfGenerationIDs, [1, 6], "<eos> and the detected <end_of_turn>")
        XCTAssertEqual(tokenizer.endOfTurnID, 6)
    }

    func testMatchesNaiveTwinOnRandomText() throws {
        for spacePrefix in [false, true] {
            let tokenizer = try SyntheticVocabulary.tokenizer(addSpacePrefix: spacePrefix)
            var random = RandomText(seed: 7)
            let alphabet = Array("helowrdtingxyz é")
            for _ in 0..<300 {
                var text = String((0..<random.int(1..<40)).map { _ in alphabet[random.int(0..<alphabet.count)] })
                while text.contains("  ") { text = text.replacingOccurrences(of: "  ", with: " ") }
                XCTAssertEqual(tokenizer.encode(text, addBOS: false),
                               naiveSentencePiece(text, tokenizer: tokenizer, spacePrefix: spacePrefix), "'\(text)'")
                XCTAssertEqual(tokenizer.decode(tokenizer.encode(text, addBOS: false)), text)
            }
        }
    }

    func testRandomUnicodeRoundTrips() throws {
        let tokenizer = try SyntheticVocabulary.tokenizer(addSpacePrefix: false)
        var random = RandomText(seed: 11)
        for _ in 0..<200 {
            let text = random.string(length: random.int(0..<80))
            XCTAssertEqual(tokenizer.decode(tokenizer.encode(text, addBOS: false)), text)
        }
    }
}
