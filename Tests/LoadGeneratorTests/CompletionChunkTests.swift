import XCTest
@testable import LoadGenerator

final class CompletionChunkTests: XCTestCase {
    private func chunk(_ json: String) -> CompletionChunk { CompletionChunk(event: Array(json.utf8)) }

    func testLlamaServerChunks() {
        XCTAssertEqual(chunk(#"{"choices":[{"text":"icq","index":0,"logprobs":null,"finish_reason":null}],"model":"m"}"#),
                       CompletionChunk(carriesText: true))
        let last = #"{"choices":[{"text":"","index":0,"finish_reason":"length"}],"usage":{"completion_tokens":64,"#
            + #""prompt_tokens":12,"total_tokens":76,"prompt_tokens_details":{"cached_tokens":0}}}"#
        XCTAssertEqual(chunk(last), CompletionChunk(completionTokens: 64))
        XCTAssertEqual(chunk(" [DONE] "), CompletionChunk(isDone: true))
    }

    func testWhitespaceAroundTheColonAndTextThatLooksLikeKeys() {
        XCTAssertTrue(chunk(#"{ "choices" : [ { "text" : "x" } ] }"#).carriesText)
        XCTAssertFalse(chunk(#"{"choices":[{"text" :  ""}]}"#).carriesText)
        // Quotes inside a string are escaped, so this text is not an error key nor a usage count.
        let tricky = chunk(#"{"choices":[{"text":"\"error\":{\"completion_tokens\":3}"}]}"#)
        XCTAssertEqual(tricky, CompletionChunk(carriesText: true))
        XCTAssertFalse(chunk(#"{"choices":[{"text_offset":[1],"text":""}]}"#).carriesText, "text_offset is another key")
    }

    func testErrorObjectsAndChatDeltas() {
        XCTAssertTrue(chunk(#"{"error":{"message":"boom","type":"server_error"}}"#).isError)
        XCTAssertFalse(chunk(#"{"error":null,"choices":[{"text":"a"}]}"#).isError)
        XCTAssertTrue(chunk(#"{"choices":[{"delta":{"content":"hi"}}]}"#).carriesText)
        XCTAssertFalse(chunk(#"{"choices":[{"delta":{"role":"assistant","content":""}}]}"#).carriesText)
    }
}
