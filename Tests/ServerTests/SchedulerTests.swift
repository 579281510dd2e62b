import TestHTTPClient
import Engine
import Foundation
import Glibc
import Synchronization
import XCTest

@testable import Server

/// Continuous batching, seen from clients over real sockets.
final class SchedulerTests: XCTestCase {
    func testConcurrentStreamingClientsAllGetTheirOwnCorrectText() throws {
        let running = try RunningServer { $0.scheduler.slots = 8 }
        let clients = 16
        @Sendable func body(_ i: Int) -> [String: Any] {
            ["prompt": "Client \(i) says", "max_tokens": 24, "temperature": i % 4 == 0 ? 0 : 0.9, "seed": 1000 + i,
             "ignore_eos": true, "logprobs": i % 3 == 0 ? 2 : NSNull()]
        }
        let results = Mutex<[Int: String]>([:])
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: clients) { i in
            do {
                let streamed = try running.stream(body(i))
                guard streamed.status == 200, streamed.sawDone, streamed.finishReason() == "length" else {
                    failures.withLock { $0.append("client \(i): \(streamed.status) \(streamed.events.suffix(2))") }
                    return
                }
                results.withLock { $0[i] = streamed.text() }
            } catch {
                failures.withLock { $0.append("client \(i): \(error)") }
            }
        }
        XCTAssertEqual(failures.withLock { $0 }, [])
        // each equals the same request made alone, without streaming
        for i in 0..<clients {
            let alone = try running.complete(body(i))
            XCTAssertEqual(results.withLock { $0[i] }, try alone.completionText(), "client \(i)")
        }
        XCTAssertTrue(running.eventually { running.activeSequences == 0 })
        running.stop()
    }

    /// A prompt that starts like the slot's last sequence skips the shared prefill and still gets exactly the
    /// completion, log-probabilities included, that it gets from an empty slot.
    func testAReusedPromptPrefixChangesNothing() throws {
        let running = try RunningServer {
            $0.scheduler.slots = 1
            $0.scheduler.promptCacheBytes = 0
        }
        let shared: [Int] = [1, 4921, 7201, 6831, 6515]
        func body(_ tail: [Int]) -> [String: Any] {
            ["prompt": shared + tail, "max_tokens": 12, "temperature": 0, "ignore_eos": true, "logprobs": 5]
        }
        func hits() throws -> Int { try prefixCacheHits(running) }
        let b = body([400, 500])
        let fresh = try running.complete(b).choice() as NSDictionary
        XCTAssertEqual(try hits(), 0)
        _ = try running.complete(body([100, 200, 300]))   // shares 5 tokens with b's cached sequence
        XCTAssertEqual(try hits(), 5)
        let afterOther = try running.complete(b).choice() as NSDictionary   // shares 5 with the other prompt
        XCTAssertEqual(try hits(), 10)
        let afterItself = try running.complete(b).choice() as NSDictionary   // all but its last token are cached
        XCTAssertEqual(try hits(), 16)
        XCTAssertEqual(afterOther, fresh)
        XCTAssertEqual(afterItself, fresh)
        // echo with log-probabilities scores every prompt token, so nothing is taken from the cache
        var echoed = b
        echoed["echo"] = true
        XCTAssertEqual(try running.complete(echoed).status, 200)
        XCTAssertEqual(try hits(), 16)
        running.stop()
    }

    /// A prompt prefilled a few tokens per step (the budget of a busy server) gets exactly the completion,
    /// log-probabilities included, of one prefilled at once.
    func testAPromptPrefilledInChunksGetsTheCompletionOfOnePrefill() throws {
        let body: [String: Any] = ["prompt": "def parse_arguments(argv):\n    parser = argparse.ArgumentParser(",
                                   "max_tokens": 16, "temperature": 0, "ignore_eos": true, "logprobs": 5]
        let prompt = ServerFixtures.student.tokenizer.encode(body["prompt"] as! String, addBOS: true)
        XCTAssertGreaterThan(prompt.count, 8)
        var choices: [NSDictionary] = []
        for chunk in [64, 1] {   // with nothing decoding, a step prefills 4 chunks
            let running = try RunningServer { $0.scheduler.prefillChunk = chunk }
            choices.append(try running.complete(body).choice() as NSDictionary)
            running.stop()
        }
        XCTAssertEqual(choices[1], choices[0])
    }

    /// A prompt that continues a finished completion (the next turn of a chat) reuses the cached prompt, and the
    /// generated tokens too where they hold what a prompt's prefill would (Q8_0 activations); with corrected
    /// logit rows those rows were computed apart and are prefilled again. Either way the completion is exactly
    /// that of an empty slot.
    func testAPromptContinuingACompletionGetsTheCompletionOfAnEmptySlot() throws {
        let first: [Int32] = [1, 4921, 7201, 6831, 6515]
        for activations in [ActivationPrecision.correctedLogitRows, .q8_0] {
            let model = try ModelLoader(options: ModelLoadOptions(activations: activations)).load(path: ServerFixtures.studentPath)
            let engineModel = (model.engine as! Int8TransformerModel)
            let generated = try ServerFixtures.greedyIDs(first, count: 8, model: engineModel)
            let next: [String: Any] = ["prompt": (first + generated + [400, 500]).map(Int.init), "max_tokens": 12,
                                       "temperature": 0, "ignore_eos": true, "logprobs": 5]
            let running = try RunningServer(model: model) {
                $0.scheduler.slots = 1
                $0.scheduler.promptCacheBytes = 0
            }
            let fresh = try running.complete(next).choice() as NSDictionary
            _ = try running.complete(["prompt": first.map(Int.init), "max_tokens": 8, "temperature": 0, "ignore_eos": true])
            let hitsBefore = try prefixCacheHits(running)
            let continued = try running.complete(next).choice() as NSDictionary
            XCTAssertEqual(continued, fresh, "\(activations)")
            // the last prompt token and 7 of 8 generated ones went into the cache (the 8th was never decoded)
            XCTAssertEqual(try prefixCacheHits(running) - hitsBefore, activations == .q8_0 ? first.count + 7 : first.count - 1,
                           "\(activations)")
            running.stop()
        }
    }

    private func prefixCacheHits(_ running: RunningServer) throws -> Int {
        let metrics = try running.request("GET", "/metrics").text
        let line = metrics.split(separator: "\n").first { $0.hasPrefix("distillery:prefix_cache_hits_total ") }
        return Int(line?.split(separator: " ").last ?? "") ?? -1
    }

    /// Finished prompts' caches outlive their slot: with one slot, two prompts taking turns each find their own
    /// cache again, and get exactly what they got the first time.
    func testPromptsThatComeBackAreServedFromThePromptCache() throws {
        for cacheBytes in [0, 1 << 20] {
            let running = try RunningServer {
                $0.scheduler.slots = 1
                $0.scheduler.promptCacheBytes = cacheBytes
            }
            let a: [String: Any] = ["prompt": [1, 4921, 7201, 6831, 6515], "max_tokens": 12, "temperature": 0,
                                    "ignore_eos": true, "logprobs": 3]
            var b = a
            b["prompt"] = [1, 300, 400, 500]
            var hits: [Int] = []
            var choices: [NSDictionary] = []
            for body in [a, b, a, b] {
                choices.append(try running.complete(body).choice() as NSDictionary)
                hits.append(try prefixCacheHits(running))
            }
            XCTAssertEqual(choices[2], choices[0])
            XCTAssertEqual(choices[3], choices[1])
            if cacheBytes == 0 {
                XCTAssertEqual(hits, [0, 1, 2, 3], "only the shared first token, from the slot itself")
            } else {
                // b parks a's cache (they share one token); then each finds its own parked cache: all but its last token
                XCTAssertEqual(hits, [0, 0, 4, 7])
            }
            running.stop()
        }
    }

    func testPromptCacheEvictsTheLeastRecentlyUsedBeyondItsBudget() {
        let model = ServerFixtures.student
        let perEntry = PromptCache.estimatedBytes(positions: 10, config: model.config)
        var cache = PromptCache(capacityBytes: 2 * perEntry)
        func prefix(_ first: Int32) -> CachedPrefix {
            var prefix = CachedPrefix()
            prefix.keep(0, for: model)
            prefix.record((0..<10).map { first + $0 }, at: 0)
            return prefix
        }
        for (time, first) in [(1, 100), (3, 200), (2, 300)] as [(UInt64, Int32)] {
            cache.park(state: model.engine.makeState(contextLength: 16), config: model.config, prefix: prefix(first), at: time)
        }
        XCTAssertEqual(cache.entries.map { $0.prefix.tokens.first }, [200, 300], "the oldest went first")
        XCTAssertEqual(cache.bytes, 2 * perEntry)
        let prompt: [Int32] = [300, 301, 302, 303, 304, 9]
        XCTAssertEqual(cache.bestEntry(for: prompt, model: model, longerThan: 0)?.shared, 5)
        XCTAssertNil(cache.bestEntry(for: prompt, model: model, longerThan: 5))
        _ = cache.take(1)
        XCTAssertEqual(cache.bytes, perEntry)
        cache.keepOnly(nil)
        XCTAssertTrue(cache.entries.isEmpty)
    }

    func testANewRequestJoinsWhileOthersGenerate() throws {
        let engine = ScriptedEngine(delay: .milliseconds(10))
        let running = try RunningServer(model: ServerFixtures.model(engine: engine)) { $0.scheduler.slots = 2 }
        let long = try running.client()
        try long.sendRequest("POST", "/v1/completions",
                             body: Array(#"{"prompt": "a", "max_tokens": 300, "stream": true, "ignore_eos": true}"#.utf8))
        XCTAssertEqual(try long.readHead().status, 200)
        XCTAssertNotNil(try long.readChunk())
        let started = ContinuousClock.now
        let short = try running.complete(["prompt": "b", "max_tokens": 5, "ignore_eos": true])
        XCTAssertEqual(short.status, 200)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(2), "it did not wait for the 300-token stream")
        long.reset()
        running.stop()
    }

    func testDisconnectedClientFreesItsSlotAtTheNextStep() throws {
        let engine = ScriptedEngine(delay: .milliseconds(10))
        let running = try RunningServer(model: ServerFixtures.model(engine: engine)) { $0.scheduler.slots = 1 }
        let leaving = try running.client()
        try leaving.sendRequest("POST", "/v1/completions",
                                body: Array(#"{"prompt": "a", "max_tokens": 900, "stream": true, "ignore_eos": true}"#.utf8))
        XCTAssertEqual(try leaving.readHead().status, 200)
        XCTAssertNotNil(try leaving.readChunk())
        leaving.reset()
        XCTAssertTrue(running.eventually(.seconds(3)) { running.activeSequences == 0 }, "the slot freed")
        let decodes = engine.decodeCalls.load(ordering: .relaxed)
        XCTAssertLessThan(decodes, 300, "generation stopped long before 900 tokens")
        let next = try running.complete(["prompt": "b", "max_tokens": 3])
        XCTAssertEqual(next.status, 200)
        XCTAssertTrue(running.eventually { running.log.objects().contains { $0["client_disconnected"] as? Bool == true } },
                      "the access log says the client left")
        running.stop()
    }

    func testDisconnectDuringPrefillFreesTheSlotBeforeThePromptIsDone() throws {
        let engine = ScriptedEngine(delay: .milliseconds(30))
        let running = try RunningServer(model: ServerFixtures.model(engine: engine)) {
            $0.scheduler.slots = 1
            $0.scheduler.prefillChunk = 4
        }
        let prompt = Array(repeating: 500, count: 1000)
        let leaving = try running.client()
        try leaving.sendRequest("POST", "/v1/completions",
                                body: Array(try JSONSerialization.data(withJSONObject: ["prompt": prompt, "max_tokens": 4])))
        XCTAssertTrue(running.eventually { engine.prefillCalls.load(ordering: .relaxed) >= 2 })
        leaving.reset()
        XCTAssertTrue(running.eventually(.seconds(3)) { running.activeSequences == 0 })
        let calls = engine.prefillCalls.load(ordering: .relaxed)
        XCTAssertLessThan(calls, 1000 / 16, "the prompt (63 chunks of 16) was abandoned part way")
        XCTAssertEqual(try running.complete(["prompt": "b", "max_tokens": 2]).status, 200)
        running.stop()
    }

    func testLongPromptsArePrefilledInChunksBetweenOthersTokens() throws {
        let operations = Mutex<[String]>([])
        final class RecordingEngine: LanguageModel, @unchecked Sendable {
            let base = ServerFixtures.student.engine
            let log: (String) -> Void
            init(log: @escaping (String) -> Void) { self.log = log }
            var config: ModelConfig { base.config }
            func makeState(contextLength: Int?) -> any ModelState { base.makeState(contextLength: contextLength) }
            func canReuse(_ state: any ModelState, contextLength: Int) -> Bool { base.canReuse(state, contextLength: contextLength) }
            func forward(tokens: [Int32], startPosition: Int, state: any ModelState, logits: LogitSelection) throws(InferenceError) -> [Float] {
                log("P\(tokens.count)")
                return try base.forward(tokens: tokens, startPosition: startPosition, state: state, logits: logits)
            }
            func forward(token: Int32, position: Int, state: any ModelState) throws(InferenceError) -> UnsafeBufferPointer<Float> {
                log("D")
                usleep(2_000)
                return try base.forward(token: token, position: position, state: state)
            }
        }
        let engine = RecordingEngine { entry in operations.withLock { $0.append(entry) } }
        let running = try RunningServer(model: ServerFixtures.model(engine: engine)) {
            $0.scheduler.slots = 2
            $0.scheduler.prefillChunk = 16
        }
        let decoding = try running.client()
        try decoding.sendRequest("POST", "/v1/completions",
                                 body: Array(#"{"prompt": "a", "max_tokens": 400, "stream": true, "ignore_eos": true}"#.utf8))
        XCTAssertEqual(try decoding.readHead().status, 200)
        XCTAssertNotNil(try decoding.readChunk())
        operations.withLock { $0.removeAll() }
        let long = try running.complete(["prompt": Array(repeating: 700, count: 320), "max_tokens": 1])
        XCTAssertEqual(long.status, 200)
        decoding.reset()
        let log = operations.withLock { $0 }
        let prefills = log.indices.filter { log[$0].hasPrefix("P") }
        XCTAssertEqual(prefills.count, 20, "320 tokens in chunks of 16: \(log.filter { $0 != "D" })")
        XCTAssertTrue(prefills.allSatisfy { log[$0] == "P16" })
        // between consecutive chunks, the other sequence got its token
        for (a, b) in zip(prefills, prefills.dropFirst()) {
            XCTAssertTrue(log[(a + 1)..<b].contains("D"), "decode between chunks at \(a)..\(b)")
        }
        running.stop()
    }

    func testSlowReaderIsDroppedAndItsSlotFreed() throws {
        let fake = FakeEngine()
        let running = try RunningServer(model: ServerFixtures.model(engine: fake)) {
            $0.scheduler.slots = 8
            $0.http.maxPendingWriteBytes = 8 * 1024
        }
        let reader = try TestHTTPClient(port: running.port, receiveBuffer: 2048)
        // never reads: with 20 alternatives per token a chunk is about 700 bytes, 8 x 1000 of them more than
        // the kernel's socket buffers (up to 4 MB) hold
        try reader.sendRequest("POST", "/v1/completions", body: Array(
            #"{"prompt": "a", "max_tokens": 1000, "n": 8, "stream": true, "logprobs": 20, "ignore_eos": true}"#.utf8))
        let metrics = running.server.metrics
        XCTAssertTrue(running.eventually(.seconds(15)) { metrics.generationTokens.load(ordering: .relaxed) > 0 })
        XCTAssertTrue(running.eventually(.seconds(30)) { running.activeSequences == 0 }, "dropped once its backlog passed the limit")
        XCTAssertLessThan(running.server.metrics.generationTokens.load(ordering: .relaxed), 8000)
        XCTAssertEqual(try running.complete(["prompt": "b", "max_tokens": 2]).status, 200)
        running.stop()
    }
}
