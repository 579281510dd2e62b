import XCTest
@testable import LoadGenerator

final class LoadPlanTests: XCTestCase {
    func testPoissonGapsHaveTheRequestedRateAndRepeatForASeed() {
        var first = SeededGenerator(seed: 42), second = SeededGenerator(seed: 42)
        let gaps = (0 ..< 20_000).map { _ in first.exponentialGap(rate: 8) }
        XCTAssertEqual(gaps, (0 ..< 20_000).map { _ in second.exponentialGap(rate: 8) })
        let mean = gaps.reduce(0, +) / Double(gaps.count)
        // Mean 1/8 s; the standard error of 20,000 exponential gaps is 0.7% of it.
        XCTAssertEqual(mean, 0.125, accuracy: 0.125 * 0.03)
        // An exponential's standard deviation equals its mean.
        let variance = gaps.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(gaps.count)
        XCTAssertEqual(variance.squareRoot(), 0.125, accuracy: 0.125 * 0.05)
        XCTAssertTrue(gaps.allSatisfy { $0 >= 0 && $0.isFinite })
        var other = SeededGenerator(seed: 43)
        XCTAssertNotEqual(gaps.prefix(5).map { $0 }, (0 ..< 5).map { _ in other.exponentialGap(rate: 8) })
    }

    func testPromptFilesTakeLinesJSONStringsAndObjects() throws {
        let text = "plain prompt\r\n\n  \n\"a \\\"quoted\\\" one\"\n{\"prompt\": \"from jsonl\", \"id\": 3}\n{\"text\": \"alt key\"}\n"
        XCTAssertEqual(try PromptFile.parse(text, path: "p"), ["plain prompt", "a \"quoted\" one", "from jsonl", "alt key"])
        XCTAssertThrowsError(try PromptFile.parse("ok\n{\"prompt\": 3}\n", path: "p.jsonl")) {
            XCTAssertEqual($0 as? PromptFile.LoadError,
                           .badLine(path: "p.jsonl", line: 2, reason: "expected a JSON string or an object with a \"prompt\" string"))
        }
        XCTAssertThrowsError(try PromptFile.parse("{not json\n", path: "p")) {
            XCTAssertEqual($0 as? PromptFile.LoadError, .badLine(path: "p", line: 1, reason: "invalid JSON"))
        }
        XCTAssertThrowsError(try PromptFile.load(path: "/nonexistent/prompts.txt")) { error in
            guard case .unreadable = error as? PromptFile.LoadError else { return XCTFail("\(error)") }
        }
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("empty-prompts-\(getpid()).txt")
        try Data("\n \n".utf8).write(to: empty)
        defer { try? FileManager.default.removeItem(at: empty) }
        XCTAssertThrowsError(try PromptFile.load(path: empty.path)) {
            XCTAssertEqual($0 as? PromptFile.LoadError, .empty(path: empty.path))
        }
    }

    func testOnlyLoopbackURLsWithAPortAreAccepted() throws {
        let address = try ServerAddress(url: "http://127.0.0.1:8080")
        XCTAssertEqual(address.port, 8080)
        XCTAssertEqual(address.path, "/v1/completions")
        XCTAssertEqual(try ServerAddress(url: "http://localhost:9/v1/chat/completions").path, "/v1/chat/completions")
        for bad in ["https://127.0.0.1:8080", "http://10.0.0.1:8080", "http://example.com:80", "http://127.0.0.1",
                    "http://127.0.0.1:0", "http://127.0.0.1:99999", "127.0.0.1:8080"] {
            XCTAssertThrowsError(try ServerAddress(url: bad), bad)
        }
    }

    func testTheRequestIsAStreamingCompletionWithTheOptionsAsked() throws {
        var builder = CompletionRequestBuilder(address: try ServerAddress(url: "http://127.0.0.1:8080"), model: "m",
                                               maxTokens: 64, temperature: 0, ignoreEOS: true)
        builder.extraFields = try CompletionRequestBuilder.parseExtraFields(#"{"cache_prompt": false, "max_tokens": 8}"#)
        let request = String(decoding: try builder.request(prompt: "Say \"hi\"\n"), as: UTF8.self)
        let parts = request.components(separatedBy: "\r\n\r\n")
        XCTAssertTrue(parts[0].hasPrefix("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"), parts[0])
        XCTAssertTrue(parts[0].contains("Content-Length: \(parts[1].utf8.count)"))
        let body = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(parts[1].utf8)) as? [String: Any])
        XCTAssertEqual(body["prompt"] as? String, "Say \"hi\"\n")
        XCTAssertEqual(body["stream"] as? Bool, true)
        XCTAssertEqual(body["ignore_eos"] as? Bool, true)
        XCTAssertEqual(body["model"] as? String, "m")
        XCTAssertEqual(body["max_tokens"] as? Int, 8, "extra fields win")
        XCTAssertEqual(body["cache_prompt"] as? Bool, false)
        XCTAssertEqual((body["stream_options"] as? [String: Bool])?["include_usage"], true)
        XCTAssertThrowsError(try CompletionRequestBuilder.parseExtraFields("[1]"))
    }

    func testRunOptionsAreValidated() throws {
        func parse(_ arguments: [String]) throws -> RunCommand {
            try RunCommand(Arguments(arguments, valueOptions: RunCommand.valueOptions, flagOptions: RunCommand.flagOptions))
        }
        let closed = try parse(["--prompts", "p.txt", "--concurrency", "16", "--requests=100", "--duration", "30"])
        XCTAssertEqual(closed.plan.arrivals, .closedLoop(concurrency: 16))
        XCTAssertEqual(closed.plan.maxRequests, 100)
        XCTAssertEqual(closed.plan.duration, 30)
        let open = try parse(["--prompts", "p.txt", "--rate", "2.5", "--seed", "9", "--url", "http://127.0.0.1:9000"])
        XCTAssertEqual(open.plan.arrivals, .openLoop(ratePerSecond: 2.5))
        XCTAssertEqual(open.plan.seed, 9)
        XCTAssertEqual(open.plan.duration, 60, "a run is always bounded in time")
        let failures: [([String], String)] = [
            (["--concurrency", "4"], "--prompts <file> is required"),
            (["--prompts", "p", "--rate", "1", "--concurrency", "2"], "give either --concurrency or --rate, not both"),
            (["--prompts", "p", "--concurrency", "0"], "--concurrency expects an integer in 1...4096, got '0'"),
            (["--prompts", "p", "--rate", "fast"], "--rate expects a number in 0.001...100000.0, got 'fast'"),
            (["--prompts", "p", "--bogus"], "unknown option '--bogus'"),
            (["--prompts"], "--prompts needs a value"),
        ]
        for (arguments, message) in failures {
            XCTAssertThrowsError(try parse(arguments), "\(arguments)") { XCTAssertEqual(($0 as? UsageError)?.description, message) }
        }
    }

    func testExitCodes() {
        XCTAssertEqual(LoadGeneratorCommand.main(["bogus"]), 64)
        XCTAssertEqual(LoadGeneratorCommand.main([]), 64)
        XCTAssertEqual(LoadGeneratorCommand.main(["run", "--prompts", "/nonexistent", "--concurrency", "x"]), 64)
        XCTAssertEqual(LoadGeneratorCommand.main(["run", "--prompts", "/nonexistent/prompts.txt"]), 1)
        XCTAssertEqual(LoadGeneratorCommand.main(["chart", "--results", "/nonexistent.json", "--out-dir", "/tmp/x"]), 1)
    }
}
