import Engine
import Foundation
import Tokenizer
import XCTest

@testable import Server

/// `/v1/completions` over real sockets, checked against the engine run directly.
final class CompletionTests: XCTestCase {
    static let prompt: [Int32] = [1, 4921, 7201, 6831, 6515]
    var tokenizer: Tokenizer { ServerFixtures.student.tokenizer }

    private func greedy(_ extra: [String: Any] = [:], prompt: Any = CompletionTests.prompt.map(Int.init)) -> [String: Any] {
        var body: [String: Any] = ["prompt": prompt, "max_tokens": 16, "temperature": 0, "ignore_eos": true]
        for (key, value) in extra { body[key] = value }
        return body
    }

    func testGreedyCompletionIsTheEnginesContinuation() throws {
        let running = try RunningServer()
        let response = try running.complete(greedy())
        XCTAssertEqual(response.status, 200, response.text)
        let json = try response.json()
        let expected = try ServerFixtures.greedyIDs(Self.prompt, count: 16)
        XCTAssertEqual(try response.completionText(), tokenizer.decode(expected, isContinuation: true))
        XCTAssertTrue((json["id"] as? String)?.hasPrefix("cmpl-") ?? false)
        XCTAssertEqual(json["object"] as? String, "text_completion")
        XCTAssertEqual(json["model"] as? String, ServerFixtures.student.version)
        XCTAssertEqual(json["system_fingerprint"] as? String, ServerFixtures.student.version)
        XCTAssertLessThan(abs((json["created"] as? Int ?? 0) - Int(Date().timeIntervalSince1970)), 60)
        let choice = try response.choice()
        XCTAssertEqual(choice["index"] as? Int, 0)
        XCTAssertTrue(choice["logprobs"] is NSNull)
        XCTAssertEqual(choice["finish_reason"] as? String, "length")
        let usage = try XCTUnwrap(json["usage"] as? [String: Int])
        XCTAssertEqual(usage, ["prompt_tokens": 5, "completion_tokens": 16, "total_tokens": 21])
        XCTAssertEqual(response.header("X-Model-Version"), ServerFixtures.student.version)
        XCTAssertEqual(response.header("Content-Type"), "application/json")
        running.stop()
    }

    /// With llama.cpp's arithmetic, the served greedy text is llama-server's (the fixture's reference ids).
    func testServedTextMatchesLlamaServerWithGGMLNumerics() throws {
        struct Reference: Decodable {
            struct Case: Decodable { let prompt_ids: [Int32]; let greedy_ids: [Int32] }
            let cases: [Case]
        }
        let data = try Data(contentsOf: ServerFixtures.packageRoot.appendingPathComponent("Tests/EngineTests/Fixtures/student-s-q8_0-reference.json"))
        let reference = try JSONDecoder().decode(Reference.self, from: data)
        let loader = ModelLoader(options: ModelLoadOptions()) { file throws(ModelError) in
            try LlamaModel(file: file, numerics: .ggml)
        }
        let model = try loader.load(path: ServerFixtures.studentPath)
        let running = try RunningServer(model: model)
        for testCase in reference.cases {
            let response = try running.complete(greedy(["max_tokens": testCase.greedy_ids.count], prompt: testCase.prompt_ids.map(Int.init)))
            XCTAssertEqual(try response.completionText(), tokenizer.decode(testCase.greedy_ids, isContinuation: true))
        }
        running.stop()
    }

    func testStreamedTextEqualsTheNonStreamedText() throws {
        let running = try RunningServer()
        for body in [greedy(), greedy(["max_tokens": 40], prompt: "Once upon a time"), greedy(["stop": ["e", "\n"]], prompt: "The")] {
            let whole = try running.complete(body)
            let streamed = try running.stream(body)
            XCTAssertEqual(streamed.status, 200)
            XCTAssertEqual(streamed.header("Content-Type"), "text/event-stream")
            XCTAssertEqual(streamed.header("X-Model-Version"), ServerFixtures.student.version)
            XCTAssertTrue(streamed.sawDone)
            XCTAssertEqual(streamed.text(), try whole.completionText())
            XCTAssertEqual(streamed.finishReason(), try whole.choice()["finish_reason"] as? String)
            let ids = Set(streamed.chunks.compactMap { $0["id"] as? String })
            XCTAssertEqual(ids.count, 1, "one id for the whole stream")
            for chunk in streamed.chunks {
                XCTAssertEqual(chunk["object"] as? String, "text_completion")
                XCTAssertEqual(chunk["model"] as? String, ServerFixtures.student.version)
                XCTAssertNil(chunk["usage"], "no usage key unless asked for")
            }
            XCTAssertEqual(streamed.choices(0).filter { !($0["finish_reason"] is NSNull) }.count, 1, "finish_reason once")
        }
        running.stop()
    }

    func testIncludeUsageAddsAUsageChunkBeforeDone() throws {
        let running = try RunningServer()
        let streamed = try running.stream(greedy(["max_tokens": 5, "stream_options": ["include_usage": true]]))
        XCTAssertTrue(streamed.sawDone)
        let last = try XCTUnwrap(streamed.chunks.last)
        XCTAssertEqual((last["choices"] as? [Any])?.count, 0)
        XCTAssertEqual(last["usage"] as? [String: Int], ["prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10])
        for chunk in streamed.chunks.dropLast() { XCTAssertTrue(chunk["usage"] is NSNull, "other chunks carry usage: null") }
        running.stop()
    }

    func testStopSequencesCutTheTextAlsoAcrossTokenBoundaries() throws {
        let running = try RunningServer()
        let ids = try ServerFixtures.greedyIDs(Self.prompt, count: 16)
        let full = tokenizer.decode(ids, isContinuation: true)
        var decoder = tokenizer.makeStreamingDecoder(isContinuation: true)
        let pieces = ids.map { decoder.append($0) }
        // a stop made of the end of one token's text and the start of the next one's
        let k = try XCTUnwrap((3..<(pieces.count - 1)).first { !pieces[$0].isEmpty && !pieces[$0 + 1].isEmpty })
        let spanning = String(pieces[k].suffix(1)) + String(pieces[k + 1].prefix(1))
        let expected = String(full[..<full.range(of: spanning)!.lowerBound])
        for stops in [[spanning], ["zzzz-never", spanning]] {
            let response = try running.complete(greedy(["stop": stops]))
            XCTAssertEqual(try response.completionText(), expected)
            XCTAssertEqual(try response.choice()["finish_reason"] as? String, "stop")
            let usage = try XCTUnwrap(try response.json()["usage"] as? [String: Int])
            XCTAssertEqual(usage["completion_tokens"], k + 2, "tokens up to the one that completed the stop")
            let streamed = try running.stream(greedy(["stop": stops]))
            XCTAssertEqual(streamed.text(), expected)
            XCTAssertFalse(streamed.events.joined().contains(spanning.unicodeScalars.count > 1 ? spanning : "\u{0}"),
                           "the stop text never goes out")
            XCTAssertEqual(streamed.finishReason(), "stop")
        }
        let single = try running.complete(greedy(["stop": String(full.prefix(1))]))
        XCTAssertEqual(try single.completionText(), "", "a stop at the very start leaves no text")
        running.stop()
    }

    func testSeedsAreReproducibleAndDifferentSeedsDiffer() throws {
        let running = try RunningServer()
        let body: [String: Any] = ["prompt": "Hello", "max_tokens": 16, "temperature": 1.0, "seed": 42, "ignore_eos": true]
        let first = try running.complete(body).completionText()
        XCTAssertEqual(try running.complete(body).completionText(), first)
        XCTAssertEqual(try running.stream(body).text(), first)
        var other = body
        other["seed"] = 43
        XCTAssertNotEqual(try running.complete(other).completionText(), first)
        var filtered = body
        filtered["top_k"] = 5
        filtered["top_p"] = 0.9
        filtered["min_p"] = 0.01
        filtered["repetition_penalty"] = 1.3
        filtered["presence_penalty"] = 0.5
        filtered["frequency_penalty"] = 0.5
        XCTAssertEqual(try running.complete(filtered).completionText(), try running.complete(filtered).completionText())
        running.stop()
    }

    func testTokenIDPromptsAndSeveralPromptsWithN() throws {
        let running = try RunningServer()
        let body: [String: Any] = ["prompt": [[1, 1359], [1, 4921, 7201]], "n": 2, "max_tokens": 6, "temperature": 1,
                                   "seed": 7, "ignore_eos": true]
        let response = try running.complete(body)
        XCTAssertEqual(response.status, 200, response.text)
        let choices = try XCTUnwrap(try response.json()["choices"] as? [[String: Any]])
        XCTAssertEqual(choices.compactMap { $0["index"] as? Int }, [0, 1, 2, 3])
        XCTAssertEqual(try response.json()["usage"] as? [String: Int],
                       ["prompt_tokens": 5, "completion_tokens": 24, "total_tokens": 29])
        // choice j of a prompt samples with seed + j
        for (index, (prompt, seed)) in [([1, 1359], 7), ([1, 1359], 8), ([1, 4921, 7201], 7), ([1, 4921, 7201], 8)].enumerated() {
            let single = try running.complete(["prompt": prompt, "max_tokens": 6, "temperature": 1, "seed": seed, "ignore_eos": true])
            XCTAssertEqual(try response.completionText(index), try single.completionText(), "choice \(index)")
        }
        XCTAssertNotEqual(try response.completionText(0), try response.completionText(1))
        let streamed = try running.stream(body)
        for index in 0..<4 {
            XCTAssertEqual(streamed.text(choice: index), try response.completionText(index))
            XCTAssertEqual(streamed.finishReason(choice: index), "length")
        }
        running.stop()
    }

    func testLogprobsHaveTheLegacyShape() throws {
        let running = try RunningServer()
        let response = try running.complete(greedy(["logprobs": 3, "max_tokens": 8]))
        let logprobs = try XCTUnwrap(try response.choice()["logprobs"] as? [String: Any])
        let tokens = try XCTUnwrap(logprobs["tokens"] as? [String])
        let values = try XCTUnwrap(logprobs["token_logprobs"] as? [Double])
        let top = try XCTUnwrap(logprobs["top_logprobs"] as? [[String: Double]])
        let offsets = try XCTUnwrap(logprobs["text_offset"] as? [Int])
        XCTAssertEqual([tokens.count, values.count, top.count, offsets.count], [8, 8, 8, 8])
        let ids = try ServerFixtures.greedyIDs(Self.prompt, count: 8)
        XCTAssertEqual(tokens, ids.map { LogprobEntry.text(of: $0, tokenizer) })
        // the engine's log-probabilities at the first step
        let model = ServerFixtures.model
        let logits = try model.forward(tokens: Self.prompt, startPosition: 0, state: model.makeState(), logits: .lastToken)
        let expected = LogProbabilities.top(3, in: logits)
        XCTAssertEqual(values[0], Double(expected[0].logprob), accuracy: 1e-4)
        XCTAssertLessThanOrEqual(top[0].count, 3)
        XCTAssertEqual(top[0][tokens[0]] ?? 0, values[0], accuracy: 1e-6, "greedy: the chosen token is the top one")
        for (entry, value) in zip(top, values) {
            XCTAssertTrue(entry.values.allSatisfy { $0 <= 0 })
            XCTAssertEqual(entry.values.max() ?? 0, value, accuracy: 1e-6)
        }
        XCTAssertEqual(offsets.first, 0)
        XCTAssertEqual(offsets, offsets.sorted(), "offsets never go back")
        let text = try response.completionText()
        XCTAssertLessThanOrEqual(offsets.last ?? 0, text.unicodeScalars.count)

        let streamed = try running.stream(greedy(["logprobs": 3, "max_tokens": 8]))
        let streamedTokens = streamed.choices(0).flatMap { (($0["logprobs"] as? [String: Any])?["tokens"] as? [String]) ?? [] }
        XCTAssertEqual(streamedTokens, tokens, "streamed chunks carry the same tokens")
        let streamedOffsets = streamed.choices(0).flatMap { (($0["logprobs"] as? [String: Any])?["text_offset"] as? [Int]) ?? [] }
        XCTAssertEqual(streamedOffsets, offsets)
        running.stop()
    }

    func testEchoPrependsThePromptAndScoresIt() throws {
        let running = try RunningServer()
        let plain = try running.complete(greedy(["max_tokens": 4], prompt: "Hello there"))
        let echoed = try running.complete(greedy(["max_tokens": 4, "echo": true], prompt: "Hello there"))
        XCTAssertEqual(try echoed.completionText(), "Hello there" + (try plain.completionText()))
        XCTAssertEqual(try running.stream(greedy(["max_tokens": 4, "echo": true], prompt: "Hello there")).text(),
                       try echoed.completionText())

        let promptOnly = try running.complete(greedy(["max_tokens": 0, "echo": true], prompt: "Hello there"))
        XCTAssertEqual(try promptOnly.completionText(), "Hello there")
        XCTAssertEqual(try promptOnly.choice()["finish_reason"] as? String, "length")
        XCTAssertEqual((try promptOnly.json()["usage"] as? [String: Int])?["completion_tokens"], 0)

        let prompt: [Int32] = [1, 1359, 7201]
        let scored = try running.complete(greedy(["max_tokens": 2, "echo": true, "logprobs": 1], prompt: prompt.map(Int.init)))
        let logprobs = try XCTUnwrap(try scored.choice()["logprobs"] as? [String: Any])
        let values = try XCTUnwrap(logprobs["token_logprobs"] as? [Any])
        XCTAssertEqual(values.count, 5, "three prompt tokens and two generated")
        XCTAssertTrue(values[0] is NSNull, "nothing predicts the first prompt token")
        XCTAssertTrue((logprobs["top_logprobs"] as? [Any])?[0] is NSNull)
        let model = ServerFixtures.model
        let logits = try model.forward(tokens: prompt, startPosition: 0, state: model.makeState(), logits: .allTokens)
        let v = model.config.vocabularySize
        for target in 1..<3 {
            let row = Array(logits[((target - 1) * v)..<(target * v)])
            let expected = row.withUnsafeBufferPointer { LogProbabilities.logProbability(of: prompt[target], in: $0) }
            XCTAssertEqual(values[target] as? Double ?? 0, Double(expected), accuracy: 1e-4, "prompt token \(target)")
        }
        XCTAssertEqual((logprobs["tokens"] as? [String])?.prefix(3).map { $0 }, prompt.map { LogprobEntry.text(of: $0, tokenizer) })
        running.stop()
    }

    func testEndOfSequenceFinishesWithStopUnlessIgnored() throws {
        let eos = try XCTUnwrap(tokenizer.eosID)
        let engine = ScriptedEngine(forcedToken: eos, fromDecode: 3)
        let running = try RunningServer(model: ServerFixtures.model(engine: engine))
        let stopped = try running.complete(["prompt": Self.prompt.map(Int.init), "max_tokens": 16, "temperature": 0])
        XCTAssertEqual(try stopped.choice()["finish_reason"] as? String, "stop")
        let ids = try ServerFixtures.greedyIDs(Self.prompt, count: 3)
        XCTAssertEqual(try stopped.completionText(), tokenizer.decode(ids, isContinuation: true), "EOS itself adds no text")
        XCTAssertEqual((try stopped.json()["usage"] as? [String: Int])?["completion_tokens"], 3)
        // the engine counts decode calls across requests: a fresh one for the streamed run
        let again = try RunningServer(model: ServerFixtures.model(engine: ScriptedEngine(forcedToken: eos, fromDecode: 3)))
        let streamed = try again.stream(["prompt": Self.prompt.map(Int.init), "max_tokens": 16, "temperature": 0])
        XCTAssertEqual(streamed.finishReason(), "stop")
        XCTAssertEqual(streamed.text(), try stopped.completionText())
        again.stop()
        let ignored = try running.complete(["prompt": Self.prompt.map(Int.init), "max_tokens": 6, "temperature": 0, "ignore_eos": true])
        XCTAssertEqual(try ignored.choice()["finish_reason"] as? String, "length")
        XCTAssertEqual((try ignored.json()["usage"] as? [String: Int])?["completion_tokens"], 6)
        running.stop()
    }
}
