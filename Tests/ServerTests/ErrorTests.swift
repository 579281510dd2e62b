import TestHTTPClient
import Foundation
import Glibc
import XCTest

@testable import Server

/// Every error status, OpenAI-shaped, with the server healthy afterwards.
final class ErrorTests: XCTestCase {
    private func assertError(_ response: TestResponse, _ status: Int, code: String? = nil, param: String? = nil,
                             file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(response.status, status, response.text, file: file, line: line)
        XCTAssertEqual(response.header("Content-Type"), "application/json", file: file, line: line)
        let error = try response.error(file: file, line: line)
        XCTAssertFalse((error["message"] as? String ?? "").isEmpty, file: file, line: line)
        XCTAssertNotNil(error["type"] as? String, file: file, line: line)
        if let code { XCTAssertEqual(error["code"] as? String, code, file: file, line: line) }
        if let param { XCTAssertEqual(error["param"] as? String, param, file: file, line: line) }
    }

    private func assertHealthy(_ running: RunningServer, file: StaticString = #filePath, line: UInt = #line) throws {
        let response = try running.complete(["prompt": "ok", "max_tokens": 2, "temperature": 0])
        XCTAssertEqual(response.status, 200, "the server still serves: \(response.text)", file: file, line: line)
    }

    func testBadRequestsAre400() throws {
        let running = try RunningServer()
        try assertError(try running.request("POST", "/v1/completions", rawBody: Array("{not json".utf8)), 400, code: "invalid_json")
        try assertError(try running.request("POST", "/v1/completions", rawBody: []), 400, code: "invalid_json")
        try assertError(try running.request("POST", "/v1/completions", rawBody: [0xFF, 0xFE, 0x00, 0x7B]), 400)
        try assertError(try running.complete(["prompt": "x", "temperature": -1]), 400, param: "temperature")
        try assertError(try running.complete(["prompt": [1, 99_999]]), 400, code: "invalid_token", param: "prompt")
        try assertError(try running.complete(["prompt": "x", "max_tokens": 5000]), 400, code: "context_length_exceeded")
        try assertError(try running.complete(["prompt": Array(repeating: 5, count: 1020), "max_tokens": 10]), 400,
                        code: "context_length_exceeded")
        try assertHealthy(running)
        running.stop()
    }

    func testAPIKeyGuardsEveryRouteButHealth() throws {
        let running = try RunningServer { $0.apiKey = "sekret-key" }
        let missing = try running.complete(["prompt": "x", "max_tokens": 1])
        try assertError(missing, 401, code: "invalid_api_key")
        XCTAssertEqual(missing.header("WWW-Authenticate"), "Bearer")
        try assertError(try running.complete(["prompt": "x"], headers: ["Authorization": "Bearer wrong"]), 401)
        try assertError(try running.complete(["prompt": "x"], headers: ["Authorization": "Bearer sekret-ke"]), 401)
        try assertError(try running.complete(["prompt": "x"], headers: ["Authorization": "Basic c2VrcmV0LWtleQ=="]), 401)
        for (method, path) in [("GET", "/v1/models"), ("GET", "/metrics"), ("POST", "/tokenize"), ("POST", "/detokenize"),
                               ("GET", "/no/such/route")] {
            XCTAssertEqual(try running.request(method, path).status, 401, "\(method) \(path) needs the key")
        }
        XCTAssertEqual(try running.request("GET", "/health").status, 200, "health stays open for probes")
        let auth = ["Authorization": "Bearer sekret-key"]
        XCTAssertEqual(try running.complete(["prompt": "x", "max_tokens": 1], headers: auth).status, 200)
        XCTAssertEqual(try running.complete(["prompt": "x", "max_tokens": 1], headers: ["authorization": "bearer  sekret-key "]).status,
                       200, "header name and scheme are case-insensitive")
        XCTAssertEqual(try running.request("GET", "/v1/models", headers: auth).status, 200)
        XCTAssertEqual(try running.request("GET", "/no/such/route", headers: auth).status, 404)
        running.stop()
    }

    func testUnknownModelIs404ButItsOwnNamesAreAccepted() throws {
        let running = try RunningServer()
        try assertError(try running.complete(["prompt": "x", "model": "gpt-4"]), 404, code: "model_not_found")
        for name in [ServerFixtures.student.version, "distillery", "student-s-q8_0.gguf", ServerFixtures.student.name, ""] {
            XCTAssertEqual(try running.complete(["prompt": "x", "max_tokens": 1, "model": name]).status, 200, name)
        }
        running.stop()
    }

    func testBodyTooLargeIs413InOpenAIShape() throws {
        let running = try RunningServer { $0.http.limits = .init(maxBodyBytes: 2000) }
        let response = try running.complete(["prompt": String(repeating: "a", count: 5000)])
        try assertError(response, 413, code: "body_too_large")
        try assertHealthy(running)
        running.stop()
    }

    func testFullQueueIs429WithRetryAfter() throws {
        let engine = ScriptedEngine(delay: .milliseconds(20))
        let running = try RunningServer(model: ServerFixtures.model(engine: engine)) {
            $0.scheduler.slots = 1
            $0.scheduler.queueCapacity = 1
        }
        let busy = try running.client()
        try busy.sendRequest("POST", "/v1/completions", body: Array(#"{"prompt": "a", "max_tokens": 400, "stream": true, "ignore_eos": true}"#.utf8))
        XCTAssertEqual(try busy.readHead().status, 200)
        let queued = try running.client()
        try queued.sendRequest("POST", "/v1/completions", body: Array(#"{"prompt": "b", "max_tokens": 1}"#.utf8))
        XCTAssertTrue(running.eventually { running.server.metrics.waitingSequences.load(ordering: .relaxed) == 1 })
        let refused = try running.complete(["prompt": "c", "max_tokens": 1])
        try assertError(refused, 429, code: "queue_full")
        XCTAssertEqual(refused.header("Retry-After"), "1")
        try assertError(try running.complete(["prompt": "c", "max_tokens": 1, "n": 3]), 400, param: "n")
        busy.reset()
        XCTAssertEqual(try queued.readResponse().status, 200, "the queued request runs once the slot frees")
        running.stop()
    }

    func testEngineFailureIs500AndInsideAStartedStreamAnErrorEvent() throws {
        let running = try RunningServer(model: ServerFixtures.model(engine: ScriptedEngine(failAfterDecodes: 2)))
        let failed = try running.complete(["prompt": "x", "max_tokens": 10, "ignore_eos": true])
        try assertError(failed, 500, code: "internal_error")
        running.stop()

        let streaming = try RunningServer(model: ServerFixtures.model(engine: ScriptedEngine(failAfterDecodes: 2)))
        let streamed = try streaming.stream(["prompt": "x", "max_tokens": 10, "ignore_eos": true, "temperature": 0])
        XCTAssertEqual(streamed.status, 200)
        XCTAssertTrue(streamed.sawDone, "the stream still ends properly")
        let error = try XCTUnwrap(streamed.chunks.last?["error"] as? [String: Any], "\(streamed.events)")
        XCTAssertEqual(error["type"] as? String, "server_error")
        XCTAssertEqual(streamed.choices(0).count, 3, "three tokens went out before the failure")
        streaming.server.install(ServerFixtures.student)
        try assertHealthy(streaming)
        streaming.stop()
    }

    func testGarbageBytesGetA400AndTheServerCarriesOn() throws {
        let running = try RunningServer()
        var generator = SystemRandomNumberGenerator()
        let payloads: [[UInt8]] = [
            Array("\u{0}\u{1}\u{2}\r\n\r\n".utf8),
            Array("GET /health HTTP/9.9\r\n\r\n".utf8),
            Array("POST /v1/completions HTTP/1.1\r\nContent-Length: -5\r\n\r\n".utf8),
            Array("POST /v1/completions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n".utf8),
            (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) } + Array("\r\n\r\n".utf8),
        ]
        for payload in payloads {
            let client = try running.client(timeout: .seconds(5))
            try client.send(payload)
            let response = try client.readResponse()
            XCTAssertGreaterThanOrEqual(response.status, 400)
            XCTAssertLessThan(response.status, 600)
            XCTAssertNotNil(try? response.error(), "transport errors are OpenAI-shaped too: \(response.text)")
        }
        try assertHealthy(running)
        running.stop()
    }

    func testSlowClientGets408() throws {
        let running = try RunningServer { $0.http.requestReadTimeout = .milliseconds(300) }
        let client = try running.client(timeout: .seconds(5))
        try client.send("POST /v1/completions HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"prompt\":")
        let response = try client.readResponse()
        try assertError(response, 408, code: "request_timeout")
        try assertHealthy(running)
        running.stop()
    }

    func testDrainingServerAnswers503AndFinishesInFlightStreams() throws {
        let engine = ScriptedEngine(delay: .milliseconds(5))
        let running = try RunningServer(model: ServerFixtures.model(engine: engine))
        let inFlight = try running.client()
        try inFlight.sendRequest("POST", "/v1/completions",
                                 body: Array(#"{"prompt": "a", "max_tokens": 60, "stream": true, "ignore_eos": true}"#.utf8))
        XCTAssertEqual(try inFlight.readHead().status, 200)
        let late = try running.client()
        let body = #"{"prompt": "b", "max_tokens": 1}"#
        try late.send("POST /v1/completions HTTP/1.1\r\nContent-Length: \(body.utf8.count)\r\n\r\n")
        usleep(50_000)
        running.server.stop()
        usleep(50_000)
        try late.send(body)
        let refused = try late.readResponse()
        try assertError(refused, 503, code: "shutting_down")
        var streamed: [UInt8] = []
        while let chunk = try inFlight.readChunk() { streamed += chunk }
        XCTAssertTrue(String(decoding: streamed, as: UTF8.self).hasSuffix("data: [DONE]\n\n"), "the in-flight stream completes")
        running.stop()
    }
}
