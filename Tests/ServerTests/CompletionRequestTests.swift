import Engine
import XCTest

@testable import Server

final class CompletionRequestTests: XCTestCase {
    private func parse(_ json: String) throws(APIError) -> CompletionRequest {
        try CompletionRequest(json: Array(json.utf8))
    }

    /// The 400 a body gets, and the parameter it names.
    private func refusal(_ json: String, file: StaticString = #filePath, line: UInt = #line) -> APIError? {
        do {
            _ = try parse(json)
            XCTFail("accepted \(json)", file: file, line: line)
            return nil
        } catch {
            XCTAssertEqual(error.status.code, 400, file: file, line: line)
            XCTAssertEqual(error.type, "invalid_request_error", file: file, line: line)
            return error
        }
    }

    func testDefaultsFollowOpenAI() throws {
        let request = try parse(#"{"prompt": "hi"}"#)
        XCTAssertEqual(request.prompt, .texts(["hi"]))
        XCTAssertEqual(request.maxTokens, 16)
        XCTAssertEqual(request.sampling.temperature, 1)
        XCTAssertEqual(request.n, 1)
        XCTAssertNil(request.logprobs)
        XCTAssertNil(request.seed)
        XCTAssertFalse(request.stream || request.echo || request.includeUsage)
    }

    func testEveryFieldIsRead() throws {
        let request = try parse("""
            {"model": "m", "prompt": [[1, 2], [3]], "max_tokens": 5, "temperature": 0.5, "top_p": 0.9, "top_k": 40,
             "min_p": 0.05, "stop": ["a", "b"], "seed": -1, "stream": true, "stream_options": {"include_usage": true},
             "logprobs": 3, "echo": true, "n": 2, "presence_penalty": 0.5, "frequency_penalty": -0.5,
             "repetition_penalty": 1.1, "user": "u", "ignore_eos": true, "best_of": 2, "logit_bias": {}, "suffix": null}
            """)
        XCTAssertEqual(request.model, "m")
        XCTAssertEqual(request.prompt, .tokens([[1, 2], [3]]))
        XCTAssertEqual(request.maxTokens, 5)
        XCTAssertEqual(request.sampling, SamplingParameters(temperature: 0.5, topK: 40, topP: 0.9, minP: 0.05, repetitionPenalty: 1.1,
                                                            presencePenalty: 0.5, frequencyPenalty: -0.5))
        XCTAssertEqual(request.stop, ["a", "b"])
        XCTAssertEqual(request.seed, UInt64.max)
        XCTAssertTrue(request.stream && request.includeUsage && request.echo && request.ignoreEOS)
        XCTAssertEqual(request.logprobs, 3)
        XCTAssertEqual(request.n, 2)
        XCTAssertEqual(request.user, "u")
        XCTAssertEqual(request.sequenceCount, 4)
        XCTAssertEqual(try parse(#"{"prompt": [5, 6], "stop": "x", "top_k": -1, "max_tokens": 16.0}"#).prompt, .tokens([[5, 6]]))
        XCTAssertEqual(try parse(#"{"prompt": ["a", "b"], "stop": "x"}"#).stop, ["x"])
    }

    func testBadFieldsNameTheirParameter() {
        let cases: [(String, String?)] = [
            (#"{}"#, "prompt"),
            (#"{"prompt": 5}"#, "prompt"),
            (#"{"prompt": []}"#, "prompt"),
            (#"{"prompt": [1, "a"]}"#, "prompt"),
            (#"{"prompt": ["a", 1]}"#, "prompt"),
            (#"{"prompt": [[]]}"#, "prompt"),
            (#"{"prompt": [-1]}"#, "prompt"),
            (#"{"prompt": [1.5]}"#, "prompt"),
            (#"{"prompt": "x", "max_tokens": -1}"#, "max_tokens"),
            (#"{"prompt": "x", "max_tokens": "5"}"#, "max_tokens"),
            (#"{"prompt": "x", "max_tokens": 1.5}"#, "max_tokens"),
            (#"{"prompt": "x", "temperature": 3}"#, "temperature"),
            (#"{"prompt": "x", "temperature": true}"#, "temperature"),
            (#"{"prompt": "x", "top_p": 0}"#, "top_p"),
            (#"{"prompt": "x", "top_k": -2}"#, "top_k"),
            (#"{"prompt": "x", "min_p": 2}"#, "min_p"),
            (#"{"prompt": "x", "n": 0}"#, "n"),
            (#"{"prompt": "x", "n": 1000}"#, "n"),
            (#"{"prompt": "x", "logprobs": 21}"#, "logprobs"),
            (#"{"prompt": "x", "logprobs": true}"#, "logprobs"),
            (#"{"prompt": "x", "stop": 3}"#, "stop"),
            (#"{"prompt": "x", "stop": [""]}"#, "stop"),
            ("{\"prompt\": \"x\", \"stop\": \"\(String(repeating: "s", count: 600))\"}", "stop"),
            (#"{"prompt": "x", "stream": "yes"}"#, "stream"),
            (#"{"prompt": "x", "stream_options": {"include_usage": true}}"#, "stream_options"),
            (#"{"prompt": "x", "stream": true, "stream_options": {"include_usage": 1}}"#, "stream_options.include_usage"),
            (#"{"prompt": "x", "presence_penalty": 2.5}"#, "presence_penalty"),
            (#"{"prompt": "x", "frequency_penalty": -3}"#, "frequency_penalty"),
            (#"{"prompt": "x", "repetition_penalty": 0}"#, "repetition_penalty"),
            (#"{"prompt": "x", "seed": "1"}"#, "seed"),
            (#"{"prompt": "x", "model": 1}"#, "model"),
            (#"{"prompt": "x", "suffix": "y"}"#, "suffix"),
            (#"{"prompt": "x", "best_of": 3}"#, "best_of"),
            (#"{"prompt": "x", "logit_bias": {"5": 1}}"#, "logit_bias"),
            (#"{"prompt": "x", "echo": 1}"#, "echo"),
            (#"[1, 2]"#, nil),
            (#"{"prompt": "x""#, nil),
            ("", nil),
        ]
        for (json, param) in cases {
            let error = refusal(json)
            XCTAssertEqual(error?.param, param, json)
            XCTAssertFalse(error?.message.isEmpty ?? true)
        }
    }
}
