import Engine
import Foundation
import Synchronization
import XCTest

@testable import Server

/// A gemma3 student served over real sockets with everything the llama student has: continuous batching,
/// chunked prefill, the prompt cache, both activation modes, log-probs, and local layers that slide their
/// window (16 positions) over completions three times as long.
final class Gemma3ServingTests: XCTestCase {
    static let path = Result { try StudentFiles.randomStudent("gemma-student", architecture: "gemma3", layers: 3, seed: 3) }
    static func load(_ activations: ActivationPrecision = .correctedLogitRows) throws -> LoadedModel {
        try ModelLoader(options: ModelLoadOptions(activations: activations)).load(path: path.get())
    }

    private static func body(_ client: Int, tokens: Int = 40) -> [String: Any] {
        ["prompt": "Client \(client) wants a long answer:", "max_tokens": tokens, "temperature": 0, "ignore_eos": true]
    }

    /// The greedy text the engine gives client i's prompt, run directly one token at a time.
    private static func expected(_ model: LoadedModel, client: Int, tokens: Int = 40) throws -> String {
        let engine = (model.engine as! Int8TransformerModel)
        let prompt = model.tokenizer.encode(body(client)["prompt"] as! String, addBOS: model.tokenizer.addsBOSByDefault)
        return model.tokenizer.decode(try ServerFixtures.greedyIDs(prompt, count: tokens, model: engine), isContinuation: true)
    }

    /// Eight concurrent clients, streaming or not, over four slots that prefill 3 tokens a chunk: each gets
    /// exactly the engine's own continuation, in both activation modes.
    func testConcurrentClientsGetTheEnginesContinuationPastTheWindow() throws {
        for activations in [ActivationPrecision.correctedLogitRows, .q8_0] {
            let model = try Self.load(activations)
            XCTAssertEqual(model.config.architecture, .gemma3)
            XCTAssertEqual(model.config.slidingWindow, 16)
            let running = try RunningServer(model: model) {
                $0.scheduler.slots = 4
                $0.scheduler.prefillChunk = 3
            }
            let texts = Mutex<[Int: String]>([:]), failures = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 8) { client in
                do {
                    let text: String
                    if client % 2 == 0 {
                        let streamed = try running.stream(Self.body(client))
                        guard streamed.status == 200, streamed.sawDone, streamed.finishReason() == "length" else {
                            throw ServingFailure(description: "\(streamed.status) \(streamed.events.suffix(2))")
                        }
                        text = streamed.text()
                    } else {
                        let response = try running.complete(Self.body(client))
                        guard response.status == 200 else { throw ServingFailure(description: response.text) }
                        text = try response.completionText()
                    }
                    texts.withLock { $0[client] = text }
                } catch {
                    failures.withLock { $0.append("client \(client): \(error)") }
                }
            }
            XCTAssertEqual(failures.withLock { $0 }, [], "\(activations)")
            for client in 0..<8 {
                XCTAssertEqual(texts.withLock { $0[client] }, try Self.expected(model, client: client),
                               "\(activations), client \(client)")
            }
            running.stop()
        }
    }

    /// Log-probs are the engine's, and a reused prompt prefix (the slot's last sequence) changes nothing.
    func testLogprobsAndAReusedPrefixAreTheEngines() throws {
        let model = try Self.load()
        let running = try RunningServer(model: model) {
            $0.scheduler.slots = 1
            $0.scheduler.promptCacheBytes = 0
        }
        let shared: [Int] = Array(1...20).map { $0 * 37 }   // longer than the window
        func body(_ tail: [Int]) -> [String: Any] {
            ["prompt": shared + tail, "max_tokens": 24, "temperature": 0, "ignore_eos": true, "logprobs": 3]
        }
        let fresh = try running.complete(body([400, 500])).choice() as NSDictionary
        let logprobs = try XCTUnwrap(fresh["logprobs"] as? [String: Any])
        let values = try XCTUnwrap(logprobs["token_logprobs"] as? [Double])
        let engine = (model.engine as! Int8TransformerModel)
        let logits = try engine.forward(tokens: (shared + [400, 500]).map(Int32.init), startPosition: 0,
                                        state: engine.makeState(contextLength: 64), logits: .lastToken)
        XCTAssertEqual(values[0], Double(LogProbabilities.top(1, in: logits)[0].logprob), accuracy: 1e-4)

        _ = try running.complete(body([100, 200, 300]))
        let reused = try running.complete(body([400, 500])).choice() as NSDictionary
        XCTAssertEqual(reused, fresh)
        let metrics = try running.request("GET", "/metrics").text
        let hits = metrics.split(separator: "\n").first { $0.hasPrefix("distillery:prefix_cache_hits_total ") }
        XCTAssertEqual(hits.flatMap { Int($0.split(separator: " ").last!) }, 40, "20 shared tokens reused twice")
        running.stop()
    }

    func testModelsReportTheArchitecture() throws {
        let running = try RunningServer(model: try Self.load())
        let entry = try XCTUnwrap((try running.request("GET", "/v1/models").json()["data"] as? [[String: Any]])?.first)
        XCTAssertEqual(entry["architecture"] as? String, "gemma3")
        running.stop()
        let llama = try RunningServer()
        let llamaEntry = try XCTUnwrap((try llama.request("GET", "/v1/models").json()["data"] as? [[String: Any]])?.first)
        XCTAssertEqual(llamaEntry["architecture"] as? String, "llama")
        llama.stop()
    }
}

struct ServingFailure: Error, CustomStringConvertible {
    let description: String
}
