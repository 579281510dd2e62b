import TestHTTPClient
import Engine
import Foundation
import Glibc
import Synchronization
import Tensors
import Tokenizer
import XCTest

@testable import Server

/// Issue 6: a new student swapped in under load, with zero failed requests.
final class HotSwapTests: XCTestCase {
    static let adminToken = "admin-secret"
    static let auth = ["Authorization": "Bearer \(adminToken)"]

    func testSwapUnderLoadFailsNothingAndFreesTheOldModel() throws {
        let tokens = 256  // long enough that requests in flight at the swap outlast the reload's reply
        let clients = 8
        let newPath = try StudentFiles.randomStudent("student-b", embedding: 128, layers: 2, heads: 2, feedForward: 256)
        let reference = try ModelLoader(options: ModelLoadOptions()).load(path: newPath)
        var expected: [String: [String]] = [:]
        for model in [ServerFixtures.student, reference] {
            expected[model.version] = try StreamingClientsUnderSwap.expectedTexts(model, clients: clients, tokens: tokens)
        }
        XCTAssertNotEqual(expected[ServerFixtures.student.version], expected[reference.version], "the two students differ")

        // the old model is loaded here and held only by the server, so its release can be observed
        weak var oldModel: LoadedModel?
        let running = try RunningServer(model: nil) {
            $0.scheduler.slots = 8
            $0.adminToken = Self.adminToken
        }
        do {
            let model = try ModelLoader(options: ModelLoadOptions()).load(path: ServerFixtures.studentPath)
            oldModel = model
            running.server.install(model)
        }
        let oldVersion = try XCTUnwrap(oldModel?.version)

        let load = StreamingClientsUnderSwap(running, clients: clients, tokens: tokens)
        let start = ContinuousClock.now
        XCTAssertTrue(running.eventually(.seconds(60)) { load.everyClientFinished(after: start) }, "every client finished one request")
        // the weights are mapped for themselves (AlignedArray), the rest of a model is on jemalloc's heap
        func heldBytes() throws -> Int { try XCTUnwrap(JemallocStats.snapshot()).allocated + HugePageMapping.mappedBytes }
        let before = jemallocReplacedBySanitizer ? nil : try heldBytes()

        let reload = try running.request("POST", "/admin/reload", json: ["model": newPath], headers: Self.auth)
        let swappedAt = ContinuousClock.now
        XCTAssertEqual(reload.status, 200, reload.text)
        let reloadJSON = try reload.json()
        let newVersion = try XCTUnwrap((reloadJSON["model"] as? [String: Any])?["version"] as? String)
        XCTAssertEqual(newVersion, reference.version)
        XCTAssertEqual(reloadJSON["previous_version"] as? String, oldVersion)
        XCTAssertEqual(reload.header("X-Model-Version"), newVersion)

        XCTAssertTrue(running.eventually(.seconds(60)) { load.everyClientFinished(after: swappedAt) },
                      "every client finished a request begun after the swap")
        let all = try load.stopAndCheck(expected: expected)
        for observed in all where observed.startedAt > swappedAt {
            XCTAssertEqual(observed.headerVersion, newVersion, "client \(observed.client): requests after the swap get the new model")
        }
        XCTAssertTrue(all.contains { $0.headerVersion == oldVersion && $0.finishedAt > swappedAt },
                      "requests admitted before the swap finished on the old model after it")
        XCTAssertTrue(all.contains { $0.headerVersion == newVersion })

        let models = try running.request("GET", "/v1/models")
        XCTAssertEqual(((try models.json()["data"] as? [[String: Any]])?.first?["id"]) as? String, newVersion)
        // the old model goes with its last request
        XCTAssertTrue(running.eventually(.seconds(10)) { oldModel == nil }, "the old model was freed")
        if let before {
            let after = try heldBytes()
            let oldWeights = 7_604_480 * MemoryLayout<Float>.size
            XCTAssertLessThan(after, before - oldWeights / 2,
                              "heap and mapped arrays: \(before) bytes before the swap, \(after) after the old model went")
        }
        let status = try running.request("GET", "/admin/status", headers: Self.auth).json()
        XCTAssertEqual((status["models"] as? [[String: Any]])?.compactMap { $0["version"] as? String }, [newVersion])
        XCTAssertEqual(status["swaps"] as? Int, 1)
        let metrics = try running.request("GET", "/metrics").text
        XCTAssertTrue(metrics.contains("distillery:model_swaps_total 1"))
        XCTAssertTrue(metrics.contains("distillery:model_info{version=\"\(newVersion)\""))
        running.stop()
    }

    func testStatusShowsInFlightRequestsPerVersion() throws {
        let engine = ScriptedEngine(delay: .milliseconds(10))
        let running = try RunningServer(model: ServerFixtures.model(engine: engine, version: "slow-old")) {
            $0.adminToken = Self.adminToken
        }
        let client = try running.client()
        try client.sendRequest("POST", "/v1/completions",
                               body: Array(#"{"prompt": "a", "max_tokens": 300, "stream": true, "ignore_eos": true}"#.utf8))
        XCTAssertEqual(try client.readHead().status, 200)
        XCTAssertEqual(try running.request("POST", "/admin/reload", json: ["model": ServerFixtures.studentPath], headers: Self.auth).status, 200)
        let status = try running.request("GET", "/admin/status", headers: Self.auth).json()
        let models = try XCTUnwrap(status["models"] as? [[String: Any]])
        let old = try XCTUnwrap(models.first { $0["version"] as? String == "slow-old" }, "\(models)")
        XCTAssertEqual(old["in_flight"] as? Int, 1)
        XCTAssertEqual(old["current"] as? Bool, false)
        let current = try XCTUnwrap(status["model"] as? [String: Any])
        XCTAssertEqual(current["version"] as? String, ServerFixtures.student.version)
        XCTAssertEqual(current["path"] as? String, ServerFixtures.studentPath)
        XCTAssertEqual(current["parameters"] as? Int, 7_604_480)
        XCTAssertNotNil(current["loaded_at"] as? String)
        let last = try XCTUnwrap(status["last_reload"] as? [String: Any])
        XCTAssertEqual(last["ok"] as? Bool, true)
        XCTAssertEqual(status["reload_in_progress"] as? Bool, false)
        client.reset()
        running.stop()
    }

    /// Each refusal: a clear 4xx, the old model still serving, and the status saying why.
    func testEveryRefusalLeavesTheOldModelServing() throws {
        let running = try RunningServer {
            $0.adminToken = Self.adminToken
            $0.loading.maxParameters = 8_000_000
        }
        let version = ServerFixtures.student.version
        let text = StudentFiles.temporaryPath("notes.gguf")
        try "plain text".write(toFile: text, atomically: true, encoding: .utf8)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: ServerFixtures.studentPath))
        let truncated = StudentFiles.temporaryPath("truncated.gguf")
        try bytes.prefix(100_000).write(to: URL(fileURLWithPath: truncated))
        let gpt2 = try StudentFiles.variant("gpt2.gguf", metadata: ["general.architecture": .string("gpt2")])
        let teacherSized = try StudentFiles.randomStudent("big", embedding: 512, layers: 1, heads: 4, feedForward: 512)
        let float = try StudentFiles.randomStudent("float", type: .f32)
        let heldOut = StudentFiles.temporaryPath("heldout.txt")
        try String(repeating: "Some held-out text for the gate. ", count: 10).write(toFile: heldOut, atomically: true, encoding: .utf8)

        let cases: [(String, [String: Any], Int, String)] = [
            ("missing file", ["model": "/nonexistent/student.gguf"], 400, "model_file_not_found"),
            ("not GGUF", ["model": text], 422, "invalid_gguf"),
            ("truncated", ["model": truncated], 422, "invalid_gguf"),
            ("wrong architecture", ["model": gpt2], 422, "unsupported_architecture"),
            ("teacher-sized", ["model": teacherSized], 422, "model_too_large"),
            ("not int8", ["model": float], 422, "model_not_int8"),
            ("quality regressed", ["model": ServerFixtures.studentPath, "eval": ["data": heldOut, "max_bits_per_byte": 0.5]],
             422, "quality_regressed"),
            ("bad eval", ["model": ServerFixtures.studentPath, "eval": ["max_bits_per_byte": 2]], 400, "missing_required_parameter"),
            ("bad model field", ["model": 5], 400, "invalid_value"),
        ]
        for (label, body, status, code) in cases {
            let response = try running.request("POST", "/admin/reload", json: body, headers: Self.auth)
            XCTAssertEqual(response.status, status, "\(label): \(response.text)")
            let error = try response.error()
            XCTAssertEqual(error["code"] as? String, code, label)
            XCTAssertFalse((error["message"] as? String ?? "").isEmpty, label)
            try assertStillServing(running, version: version, label)
        }
        let status = try running.request("GET", "/admin/status", headers: Self.auth).json()
        let last = try XCTUnwrap(status["last_reload"] as? [String: Any])
        XCTAssertEqual(last["ok"] as? Bool, false)
        XCTAssertEqual(last["code"] as? String, "quality_regressed", "validation errors of the body never start a reload")
        XCTAssertTrue(try running.request("GET", "/metrics").text.contains("distillery:model_reload_failures_total 7"))

        // the token
        let noToken = try running.request("POST", "/admin/reload", json: ["model": ServerFixtures.studentPath])
        XCTAssertEqual(noToken.status, 401)
        XCTAssertEqual(try noToken.error()["type"] as? String, "authentication_error")
        let wrong = try running.request("POST", "/admin/reload", json: ["model": ServerFixtures.studentPath],
                                        headers: ["Authorization": "Bearer nope"])
        XCTAssertEqual(wrong.status, 401)
        XCTAssertEqual(try running.request("GET", "/admin/status").status, 401)
        XCTAssertEqual(try running.request("GET", "/admin/reload", headers: Self.auth).status, 405)
        XCTAssertEqual(try running.request("GET", "/admin/unknown", headers: Self.auth).status, 404)
        try assertStillServing(running, version: version, "after the token refusals")
        running.stop()

        let noAdmin = try RunningServer()
        XCTAssertEqual(try noAdmin.request("POST", "/admin/reload", json: ["model": ServerFixtures.studentPath], headers: Self.auth).status,
                       404, "no admin token configured: the admin routes do not exist")
        XCTAssertEqual(try noAdmin.request("GET", "/admin/status", headers: Self.auth).status, 404)
        noAdmin.stop()
    }

    private func assertStillServing(_ running: RunningServer, version: String, _ label: String,
                                    file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try running.request("GET", "/health").status, 200, label, file: file, line: line)
        let completion = try running.complete(["prompt": "still", "max_tokens": 2])
        XCTAssertEqual(completion.status, 200, label, file: file, line: line)
        XCTAssertEqual(completion.header("X-Model-Version"), version, "\(label): the old model serves", file: file, line: line)
    }

    func testConcurrentReloadsAreRefusedWith409() throws {
        let slowFactory: ModelLoader.EngineFactory = { file throws(ModelError) in
            usleep(800_000)
            return try LlamaModel(file: file)
        }
        var configuration = ServerConfiguration()
        configuration.http.port = 0
        configuration.http.handlesSignals = false
        configuration.adminToken = Self.adminToken
        configuration.accessLog = nil
        configuration.eventLog = nil
        let server = DistilleryServer(configuration: configuration, makeEngine: slowFactory)
        try server.start()
        server.install(ServerFixtures.student)
        defer {
            server.stop()
            XCTAssertTrue(server.wait(timeout: .seconds(15)))
        }
        let first = Mutex<TestResponse?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let response = try? TestHTTPClient(port: server.port).request("POST", "/admin/reload",
                                                                          json: ["model": ServerFixtures.studentPath], headers: Self.auth)
            first.withLock { $0 = response }
            done.signal()
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while !server.reloader.isInProgress && ContinuousClock.now < deadline { usleep(2_000) }
        let second = try TestHTTPClient(port: server.port).request("POST", "/admin/reload", json: ["model": ServerFixtures.studentPath],
                                                                   headers: Self.auth)
        XCTAssertEqual(second.status, 409)
        XCTAssertEqual(try second.error()["code"] as? String, "reload_in_progress")
        XCTAssertEqual(try TestHTTPClient(port: server.port).request("GET", "/health").status, 200, "serving during the reload")
        XCTAssertEqual(done.wait(timeout: .now() + 20), .success)
        XCTAssertEqual(first.withLock { $0 }?.status, 200)
        XCTAssertEqual(try TestHTTPClient(port: server.port).request("POST", "/admin/reload", json: ["model": ServerFixtures.studentPath],
                                                                     headers: Self.auth).status, 200, "free again afterwards")
    }

    func testSIGHUPReloadsTheStartupFile() throws {
        let path = StudentFiles.temporaryPath("startup.gguf")
        try FileManager.default.copyItem(atPath: ServerFixtures.studentPath, toPath: path)
        let events = LogCapture()
        let running = try RunningServer(model: nil) {
            $0.http.handlesSignals = true
            $0.modelPath = path
            $0.eventLog = events.sink
        }
        try running.server.loadModel(path: path)
        XCTAssertEqual(running.server.currentModel?.version, ServerFixtures.student.version)
        let replacement = try StudentFiles.randomStudent("replacement", seed: 9)
        XCTAssertEqual(rename(replacement, path), 0, "a new student written over the startup file")
        kill(getpid(), SIGHUP)
        XCTAssertTrue(running.eventually(.seconds(20)) { running.server.currentModel?.version != ServerFixtures.student.version })
        XCTAssertTrue(running.eventually { events.objects().contains { $0["event"] as? String == "reload" && $0["status"] as? String == "swapped" } },
                      "\(events.all)")
        XCTAssertEqual(try running.complete(["prompt": "hi", "max_tokens": 2]).header("X-Model-Version"),
                       running.server.currentModel?.version)
        running.stop()
    }

    func testSameShapedSwapKeepsTheSlotsKVCaches() throws {
        let statesMade = Atomic<Int>(0)
        final class CountingEngine: LanguageModel, @unchecked Sendable {
            let base: any LanguageModel
            let counter: @Sendable () -> Void
            init(_ base: any LanguageModel, counter: @escaping @Sendable () -> Void) {
                self.base = base
                self.counter = counter
            }
            var config: ModelConfig { base.config }
            func makeState(contextLength: Int?) -> any ModelState {
                if let contextLength, contextLength > 8 { counter() }  // not the loader's smoke test
                return base.makeState(contextLength: contextLength)
            }
            func canReuse(_ state: any ModelState, contextLength: Int) -> Bool { base.canReuse(state, contextLength: contextLength) }
            func forward(tokens: [Int32], startPosition: Int, state: any ModelState, logits: LogitSelection) throws(InferenceError) -> [Float] {
                try base.forward(tokens: tokens, startPosition: startPosition, state: state, logits: logits)
            }
            func forward(token: Int32, position: Int, state: any ModelState) throws(InferenceError) -> UnsafeBufferPointer<Float> {
                try base.forward(token: token, position: position, state: state)
            }
        }
        var configuration = ServerConfiguration()
        configuration.http.port = 0
        configuration.http.handlesSignals = false
        configuration.adminToken = Self.adminToken
        configuration.accessLog = nil
        configuration.eventLog = nil
        configuration.scheduler.slots = 1
        let server = DistilleryServer(configuration: configuration) { file throws(ModelError) in
            CountingEngine(try LlamaModel(file: file)) { statesMade.add(1, ordering: .relaxed) }
        }
        try server.start()
        defer {
            server.stop()
            XCTAssertTrue(server.wait(timeout: .seconds(15)))
        }
        try server.loadModel(path: ServerFixtures.studentPath)
        func complete() throws -> Int {
            try TestHTTPClient(port: server.port).request("POST", "/v1/completions", json: ["prompt": "hi", "max_tokens": 3]).status
        }
        func reload(_ path: String) throws -> Int {
            try TestHTTPClient(port: server.port).request("POST", "/admin/reload", json: ["model": path], headers: Self.auth).status
        }
        XCTAssertEqual(try complete(), 200)
        XCTAssertEqual(statesMade.load(ordering: .relaxed), 1)
        XCTAssertEqual(try reload(ServerFixtures.studentPath), 200)
        XCTAssertEqual(try complete(), 200)
        XCTAssertEqual(statesMade.load(ordering: .relaxed), 1, "the same shape: the slot's KV cache carried over")
        let other = try StudentFiles.randomStudent("other-shape", embedding: 64, layers: 1, heads: 2, feedForward: 128)
        XCTAssertEqual(try reload(other), 200)
        XCTAssertEqual(try complete(), 200)
        XCTAssertEqual(statesMade.load(ordering: .relaxed), 2, "another shape: a new KV cache")
    }
}
