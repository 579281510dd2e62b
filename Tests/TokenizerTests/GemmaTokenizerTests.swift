import Foundation
import Tokenizer
import XCTest

/// The teacher's vocabulary against llama.cpp's own tokenization of the same strings.
final class GemmaTokenizerTests: XCTestCase {
    func testVocabularyMetadata() throws {
        let tokenizer = try Teacher.tokenizer()
        XCTAssertEqual(tokenizer.vocabularySize, 262_144)
        XCTAssertEqual(tokenizer.bosID, 2)
        XCTAssertEqual(tokenizer.eosID, 1)
        XCTAssertEqual(tokenizer.unknownID, 3)
        XCTAssertEqual(tokenizer.paddingID, 0)
        XCTAssertTrue(tokenizer.addsBOSByDefault)
        XCTAssertFalse(tokenizer.addsEOSByDefault)
        XCTAssertFalse(tokenizer.addsSpacePrefix)
        XCTAssertEqual(tokenizer.endOfTurnID, 106)
        XCTAssertEqual(tokenizer.endOfGenerationIDs, [1, 106, 212], "<eos>, <end_of_turn> and </s>, as llama.cpp")
        XCTAssertTrue(tokenizer.isControl(212), "llama.cpp makes the user-defined </s> a control token")
        XCTAssertEqual(tokenizer.piece(for: 105), "<start_of_turn>")
        XCTAssertEqual(tokenizer.piece(for: 238), "<0x00>")
        XCTAssertTrue(tokenizer.isControl(105))
        XCTAssertTrue(tokenizer.isUnused(6), "<unused0> is control and named unused")
        XCTAssertTrue(tokenizer.isUserDefined(107))
        XCTAssertTrue(tokenizer.isByte(493))
        XCTAssertEqual(tokenizer.id(forPiece: "▁"), 236743)
    }

    func testTokenizeMatchesLlamaCpp() throws {
        let tokenizer = try Teacher.tokenizer()
        for entry in try Reference.load().tokenize {
            XCTAssertEqual(tokenizer.encode(entry.text, addBOS: false), entry.ids, "'\(entry.text)'")
        }
    }

    func testPromptsWithBOSMatchLlamaCpp() throws {
        let tokenizer = try Teacher.tokenizer()
        for entry in try Reference.load().next_token {
            XCTAssertEqual(tokenizer.encode(entry.prompt, addBOS: tokenizer.addsBOSByDefault), entry.prompt_ids_with_bos)
        }
    }

    func testGreedyContinuationsDecodeToLlamaCppText() throws {
        let tokenizer = try Teacher.tokenizer()
        for entry in try Reference.load().greedy {
            XCTAssertEqual(tokenizer.decode(entry.ids, isContinuation: true), entry.text)
        }
    }

    func testFixtureStringsRoundTrip() throws {
        let tokenizer = try Teacher.tokenizer()
        let reference = try Reference.load()
        for text in reference.tokenize.map(\.text) + reference.next_token.map(\.prompt) where !text.contains("<bos>") {
            XCTAssertEqual(tokenizer.decode(tokenizer.encode(text, addBOS: true)), text)
        }
        XCTAssertEqual(tokenizer.decode(tokenizer.encode("<bos> is text here", addBOS: false), renderSpecial: true),
                       "<bos> is text here")
    }

    func testRandomUnicodeRoundTrips() throws {
        let tokenizer = try Teacher.tokenizer()
        var random = RandomText(seed: 2026)
        for _ in 0..<500 {
            let text = random.string(length: random.int(0..<120))
            XCTAssertEqual(tokenizer.decode(tokenizer.encode(text, addBOS: false)), text)
        }
    }

    func testMergeLoopMatchesNaiveTwin() throws {
        let tokenizer = try Teacher.tokenizer()
        var random = RandomText(seed: 99)
        for _ in 0..<200 {
            // No tabs, newlines, runs of spaces or '<': those are user-defined or control tokens.
            var text = random.string(length: random.int(1..<60))
            text = String(text.unicodeScalars.filter { !["\n", "\t", "<"].contains($0) })
            while text.contains("  ") { text = text.replacingOccurrences(of: "  ", with: " ") }
            XCTAssertEqual(tokenizer.encode(text, addBOS: false),
                           naiveSentencePiece(text, tokenizer: tokenizer, spacePrefix: false), "'\(text)'")
        }
    }

    func testChatMarkupBecomesSpecialTokens() throws {
        let tokenizer = try Teacher.tokenizer()
        let ids = tokenizer.encode("<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n", addBOS: true)
        let user = tokenizer.encode("user", addBOS: false), hi = tokenizer.encode("Hi", addBOS: false)
        let model = tokenizer.encode("model", addBOS: false)
        XCTAssertEqual(ids, [2, 105] + user + [107] + hi + [106, 107, 105] + model + [107])
        XCTAssertEqual(tokenizer.decode(ids), "user\nHi\nmodel\n", "control tokens give no text by default")
        XCTAssertEqual(tokenizer.decode(ids, renderSpecial: true),
                       "<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n")

        let literal = tokenizer.encode("<start_of_turn>", addBOS: false, parseSpecial: false)
        XCTAssertFalse(literal.contains(105))
        XCTAssertEqual(tokenizer.decode(literal), "<start_of_turn>")
        XCTAssertEqual(tokenizer.encode("<unused7>", addBOS: false), [13])
    }
}
