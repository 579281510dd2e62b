import TestHTTPClient
import Foundation
import XCTest

@testable import Server

/// Every endpoint other than completions, over real sockets.
final class EndpointTests: XCTestCase {
    func testHealthIs200WithAModelAnd503WhileLoading() throws {
        let loading = try RunningServer(model: nil)
        let waiting = try loading.request("GET", "/health")
        XCTAssertEqual(waiting.status, 503)
        XCTAssertEqual(try waiting.error()["code"] as? String, "model_loading")
        XCTAssertEqual(waiting.header("Retry-After"), "1")
        let completion = try loading.complete(["prompt": "hi"])
        XCTAssertEqual(completion.status, 503, "completions wait for the model too")
        loading.server.install(ServerFixtures.student)
        let ready = try loading.request("GET", "/health")
        XCTAssertEqual(ready.status, 200)
        XCTAssertEqual(try ready.json()["status"] as? String, "ok")
        XCTAssertEqual(ready.header("X-Model-Version"), ServerFixtures.student.version)
        XCTAssertEqual(try loading.request("HEAD", "/health").status, 200)
        loading.stop()
    }

    func testModelsListsTheServedVersion() throws {
        let running = try RunningServer { $0.scheduler.contextLength = 256 }
        let response = try running.request("GET", "/v1/models")
        XCTAssertEqual(response.status, 200)
        let json = try response.json()
        XCTAssertEqual(json["object"] as? String, "list")
        let data = try XCTUnwrap(json["data"] as? [[String: Any]])
        XCTAssertEqual(data.count, 1)
        let model = ServerFixtures.student
        XCTAssertEqual(model.version.count, 12)
        XCTAssertEqual(data[0]["id"] as? String, model.version)
        XCTAssertEqual(data[0]["object"] as? String, "model")
        XCTAssertEqual(data[0]["owned_by"] as? String, "distillery")
        XCTAssertEqual(data[0]["max_model_len"] as? Int, 256)
        XCTAssertEqual(data[0]["parameters"] as? Int, model.parameterCount)
        XCTAssertEqual(try running.request("GET", "/v1/models/").status, 200, "a trailing slash is the same resource")
        running.stop()
    }

    func testTokenizeAndDetokenizeRoundTrip() throws {
        let running = try RunningServer()
        let tokenizer = ServerFixtures.student.tokenizer
        let text = "Hello world, héllo 😀"
        let tokenized = try running.request("POST", "/tokenize", json: ["prompt": text])
        XCTAssertEqual(tokenized.status, 200, tokenized.text)
        let tokens = try XCTUnwrap(try tokenized.json()["tokens"] as? [Int])
        XCTAssertEqual(tokens.map(Int32.init), tokenizer.encode(text, addBOS: tokenizer.addsBOSByDefault))
        XCTAssertEqual(try tokenized.json()["count"] as? Int, tokens.count)
        XCTAssertEqual(try tokenized.json()["max_model_len"] as? Int, 1024)

        let plain = try running.request("POST", "/tokenize", json: ["content": text, "add_special_tokens": false])
        XCTAssertEqual(try plain.json()["tokens"] as? [Int], tokenizer.encode(text, addBOS: false).map(Int.init),
                       "llama.cpp's 'content' works, and specials can be left out")

        let detokenized = try running.request("POST", "/detokenize", json: ["tokens": tokens])
        XCTAssertEqual(detokenized.status, 200, detokenized.text)
        // this small vocabulary spells "▁" in byte tokens, so the round trip is llama.cpp's, not the identity
        XCTAssertEqual(try detokenized.json()["prompt"] as? String, tokenizer.decode(tokens.map(Int32.init)))
        XCTAssertEqual(try running.request("POST", "/detokenize", json: ["tokens": tokenizer.encode("plain", addBOS: false).map(Int.init)])
            .json()["prompt"] as? String, tokenizer.decode(tokenizer.encode("plain", addBOS: false)))

        let bad = try running.request("POST", "/detokenize", json: ["tokens": [1, 999_999]])
        XCTAssertEqual(bad.status, 400)
        XCTAssertEqual(try bad.error()["param"] as? String, "tokens")
        XCTAssertEqual(try running.request("POST", "/tokenize", json: ["nothing": 1]).status, 400)
        XCTAssertEqual(try running.request("POST", "/detokenize", json: ["tokens": "1 2"]).status, 400)
        running.stop()
    }

    func testMetricsArePrometheusTextWithVLLMNames() throws {
        let running = try RunningServer()
        XCTAssertEqual(try running.complete(["prompt": "Hello", "max_tokens": 4, "temperature": 0]).status, 200)
        XCTAssertEqual(try running.request("GET", "/nope").status, 404)
        let response = try running.request("GET", "/metrics")
        XCTAssertEqual(response.status, 200)
        XCTAssertTrue(response.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") ?? false)
        let text = response.text
        for name in ["distillery:time_to_first_token_seconds_bucket", "distillery:inter_token_latency_seconds_count",
                     "distillery:e2e_request_latency_seconds_sum", "distillery:request_queue_time_seconds_count",
                     "distillery:generation_tokens_total", "distillery:prompt_tokens_total", "distillery:num_requests_waiting",
                     "distillery:num_requests_running", "distillery:model_swaps_total", "distillery:http_loop_starved_total",
                     "# TYPE distillery:time_to_first_token_seconds histogram"]
            + (jemallocReplacedBySanitizer ? [] : ["distillery:jemalloc_allocated_bytes", "distillery:jemalloc_resident_bytes"]) {
            XCTAssertTrue(text.contains(name), "missing \(name)")
        }
        XCTAssertTrue(text.contains("distillery:http_requests_total{status=\"200\"} 1"), text)
        XCTAssertTrue(text.contains("distillery:http_requests_total{status=\"404\"} 1"), text)
        XCTAssertTrue(text.contains("distillery:generation_tokens_total 4"), text)
        XCTAssertTrue(text.contains("distillery:time_to_first_token_seconds_count 1"), text)
        XCTAssertTrue(text.contains("distillery:inter_token_latency_seconds_count 3"), "three gaps between four tokens")
        XCTAssertTrue(text.contains("distillery:model_info{version=\"\(ServerFixtures.student.version)\""), text)
        XCTAssertTrue(text.contains("distillery:request_success_total{finished_reason=\"length\"} 1"), text)
        // every sample line is "name{labels} value"
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            XCTAssertNotNil(Double(line.split(separator: " ").last!), "bad sample line: \(line)")
        }
        running.stop()
    }

    func testUnknownRoutesAre404AndWrongMethods405() throws {
        let running = try RunningServer()
        let missing = try running.request("GET", "/v2/whatever")
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(try missing.error()["type"] as? String, "not_found_error")
        let wrongMethod = try running.request("GET", "/v1/completions")
        XCTAssertEqual(wrongMethod.status, 405)
        XCTAssertEqual(wrongMethod.header("Allow"), "POST")
        XCTAssertEqual(try running.request("DELETE", "/v1/models").status, 405)
        XCTAssertEqual(try running.request("POST", "/health").status, 405)
        XCTAssertEqual(try running.request("GET", "/admin/status").status, 404, "admin routes are off without a token")
        running.stop()
    }

    func testAccessLogHasOneStructuredLinePerRequest() throws {
        let running = try RunningServer()
        XCTAssertEqual(try running.complete(["prompt": "Hi", "max_tokens": 3, "temperature": 0]).status, 200)
        XCTAssertEqual(try running.request("GET", "/health").status, 200)
        let client = try running.client()
        try client.send("garbage\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 400)
        XCTAssertTrue(running.eventually { running.log.all.count == 3 }, "\(running.log.all)")
        let lines = running.log.objects()
        XCTAssertEqual(lines.count, 3, "every line is JSON: \(running.log.all)")
        let completion = try XCTUnwrap(lines.first { $0["path"] as? String == "/v1/completions" })
        XCTAssertEqual(completion["method"] as? String, "POST")
        XCTAssertEqual(completion["status"] as? Int, 200)
        XCTAssertEqual(completion["completion_tokens"] as? Int, 3)
        XCTAssertNotNil(completion["prompt_tokens"] as? Int)
        XCTAssertNotNil(completion["ttft_ms"] as? Double)
        XCTAssertNotNil(completion["duration_ms"] as? Double)
        XCTAssertEqual(completion["model"] as? String, ServerFixtures.student.version)
        XCTAssertTrue((completion["id"] as? String)?.hasPrefix("cmpl-") ?? false)
        XCTAssertNotNil(completion["time"] as? String)
        XCTAssertTrue(lines.contains { $0["path"] as? String == "/health" && $0["status"] as? Int == 200 })
        XCTAssertTrue(lines.contains { $0["method"] as? String == "-" && $0["status"] as? Int == 400 }, "the transport's own errors")
        running.stop()
    }
}
