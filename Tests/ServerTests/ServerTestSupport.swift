import TestHTTPClient
import Engine
import Foundation
import GGUF
import HTTP
import Synchronization
import Tokenizer
import XCTest

@testable import Server

enum ServerFixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let studentPath = packageRoot.appendingPathComponent("Tests/EngineTests/Fixtures/student-s-q8_0.gguf").path

    /// The fixture student, loaded once (through the real loader) and shared: models are immutable.
    static let student: LoadedModel = {
        do {
            return try ModelLoader(options: ModelLoadOptions()).load(path: studentPath)
        } catch {
            fatalError("cannot load the student fixture: \(error)")
        }
    }()

    /// The int8 model the server runs, used directly as the oracle for what the server sends.
    static var model: Int8TransformerModel { (student.engine as! Int8TransformerModel) }

    /// The same model behind another engine (a slow or failing one), under its own version.
    static func model(engine: any LanguageModel, version: String = "test-engine") -> LoadedModel {
        LoadedModel(version: version, path: studentPath, name: "test", parameterCount: student.parameterCount,
                    loadedAt: 0, engine: engine, tokenizer: student.tokenizer)
    }

    /// Greedy continuation of `prompt` by the engine directly, the oracle for the server's output.
    static func greedyIDs(_ prompt: [Int32], count: Int) throws -> [Int32] {
        try greedyIDs(prompt, count: count, model: model)
    }

    static func greedyIDs<Model: LanguageModel>(_ prompt: [Int32], count: Int, model: Model) throws -> [Int32] {
        var sampler = try Sampler(.greedy)
        var ids: [Int32] = []
        try Generator(model: model).generate(prompt: prompt, state: model.makeState(), sampler: &sampler,
                                             options: GenerationOptions(maxTokens: count, stopTokens: [])) { token in
            ids.append(token.id)
            return .proceed
        }
        return ids
    }
}

/// Collects access-log lines.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])
    var sink: AccessLogSink { { [self] line in lines.withLock { $0.append(line) } } }
    var all: [String] { lines.withLock { $0 } }

    func objects() -> [[String: Any]] {
        all.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }
}

/// A real server on 127.0.0.1 with a free port, the fixture model installed unless told otherwise.
/// Shared by a test's client threads; only `stop` (called from the test's own thread) mutates it.
final class RunningServer: @unchecked Sendable {
    let server: DistilleryServer
    let log = LogCapture()
    private var isStopped = false

    init(model: LoadedModel? = ServerFixtures.student, configure: (inout ServerConfiguration) -> Void = { _ in }) throws {
        var configuration = ServerConfiguration()
        configuration.http.port = 0
        configuration.http.handlesSignals = false
        configuration.http.keepAliveTimeout = .seconds(5)
        configuration.http.requestReadTimeout = .seconds(5)
        configuration.http.lingerTimeout = .milliseconds(200)
        configuration.http.drainTimeout = .seconds(5)
        configuration.accessLog = log.sink
        configuration.eventLog = log.sink
        configure(&configuration)
        server = DistilleryServer(configuration: configuration)
        try server.start()
        if let model { server.install(model) }
    }

    var port: Int { server.port }

    func client(timeout: Duration = .seconds(20)) throws -> TestHTTPClient {
        try TestHTTPClient(port: port, timeout: timeout)
    }

    /// One request on a fresh connection.
    func request(_ method: String, _ path: String, json: Any? = nil, rawBody: [UInt8]? = nil,
                 headers: [String: String] = [:]) throws -> TestResponse {
        try client().request(method, path, json: json, rawBody: rawBody, headers: headers)
    }

    func complete(_ body: [String: Any], headers: [String: String] = [:]) throws -> TestResponse {
        try request("POST", "/v1/completions", json: body, headers: headers)
    }

    func stream(_ body: [String: Any], headers: [String: String] = [:]) throws -> StreamedCompletion {
        let client = try client()
        var body = body
        body["stream"] = true
        try client.sendRequest("POST", "/v1/completions", body: Array(try JSONSerialization.data(withJSONObject: body)),
                               headers: headers)
        return try StreamedCompletion(reading: client)
    }

    /// The running and waiting sequences, as the scheduler last published them.
    var activeSequences: Int { server.metrics.runningSequences.load(ordering: .relaxed) }

    /// Polls until `condition` holds or `timeout` passes.
    func eventually(_ timeout: Duration = .seconds(10), _ condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            usleep(5_000)
        }
        return condition()
    }

    func stop(file: StaticString = #filePath, line: UInt = #line) {
        guard !isStopped else { return }
        isStopped = true
        server.stop()
        XCTAssertTrue(server.wait(timeout: .seconds(15)), "the server did not stop", file: file, line: line)
    }

    deinit { if !isStopped { server.stop(); _ = server.wait(timeout: .seconds(15)) } }
}

/// A whole streamed completion: the SSE events in order, parsed.
struct StreamedCompletion {
    let status: Int
    let headers: TestHeaders
    /// Every `data:` payload, `[DONE]` included.
    let events: [String]

    init(reading client: TestHTTPClient) throws {
        let (status, headers) = try client.readHead()
        self.status = status
        self.headers = headers
        var body: [UInt8] = []
        while let chunk = try client.readChunk() { body += chunk }
        events = String(decoding: body, as: UTF8.self).components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { event in
            event.hasPrefix("data: ") ? String(event.dropFirst(6)) : event
        }
    }

    var sawDone: Bool { events.last == "[DONE]" }

    /// The JSON chunks (every event but `[DONE]`).
    var chunks: [[String: Any]] {
        events.filter { $0 != "[DONE]" }.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// The concatenated text of choice `index`.
    func text(choice index: Int = 0) -> String {
        choices(index).map { $0["text"] as? String ?? "" }.joined()
    }

    func finishReason(choice index: Int = 0) -> String? {
        choices(index).compactMap { $0["finish_reason"] as? String }.last
    }

    func choices(_ index: Int) -> [[String: Any]] {
        chunks.flatMap { ($0["choices"] as? [[String: Any]]) ?? [] }.filter { $0["index"] as? Int == index }
    }

    func header(_ name: String) -> String? {
        headers[name]
    }
}

extension TestResponse {
    /// `choices[index]` of a completion.
    func choice(_ index: Int = 0, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let choices = try XCTUnwrap(try json(file: file, line: line)["choices"] as? [[String: Any]], file: file, line: line)
        return try XCTUnwrap(choices.first { $0["index"] as? Int == index }, "no choice \(index): \(text)", file: file, line: line)
    }

    func completionText(_ index: Int = 0) throws -> String {
        try XCTUnwrap(try choice(index)["text"] as? String)
    }
}

/// Wraps an engine to make it slow (each forward call sleeps), fail (after some decode calls), or force a
/// token (from the n-th decode call on, across all sequences).
final class ScriptedEngine: LanguageModel, @unchecked Sendable {
    let base: any LanguageModel
    let delay: Duration
    let failAfterDecodes: Int?
    let forcedToken: Int32?
    let forcedFromDecode: Int
    let decodeCalls = Atomic<Int>(0)
    let prefillCalls = Atomic<Int>(0)

    init(base: any LanguageModel = ServerFixtures.student.engine, delay: Duration = .zero, failAfterDecodes: Int? = nil,
         forcedToken: Int32? = nil, fromDecode: Int = 1) {
        self.base = base
        self.delay = delay
        self.failAfterDecodes = failAfterDecodes
        self.forcedToken = forcedToken
        forcedFromDecode = fromDecode
    }

    var config: ModelConfig { base.config }

    func makeState(contextLength: Int?) -> any ModelState { base.makeState(contextLength: contextLength) }
    func canReuse(_ state: any ModelState, contextLength: Int) -> Bool { base.canReuse(state, contextLength: contextLength) }

    func forward(tokens: [Int32], startPosition: Int, state: any ModelState,
                 logits: LogitSelection) throws(InferenceError) -> [Float] {
        prefillCalls.add(1, ordering: .relaxed)
        pause()
        return try base.forward(tokens: tokens, startPosition: startPosition, state: state, logits: logits)
    }

    func forward(token: Int32, position: Int, state: any ModelState) throws(InferenceError) -> UnsafeBufferPointer<Float> {
        let calls = decodeCalls.add(1, ordering: .relaxed).newValue
        if let failAfterDecodes, calls > failAfterDecodes { throw .stateMismatch("scripted failure") }
        pause()
        let logits = try base.forward(token: token, position: position, state: state)
        if let forcedToken, calls >= forcedFromDecode {
            UnsafeMutableBufferPointer(mutating: logits)[Int(forcedToken)] = 1e4
        }
        return logits
    }

    private func pause() {
        if delay > .zero { usleep(UInt32(delay.components.attoseconds / 1_000_000_000_000 + delay.components.seconds * 1_000_000)) }
    }
}

/// An engine that runs no model: logits are a fixed pseudo-random function of the position, so it is
/// cheap enough to generate megabytes of output (slow-reader tests) while tokens still vary.
final class FakeEngine: LanguageModel, @unchecked Sendable {
    final class State: ModelState {
        let config: ModelConfig
        let contextLength: Int
        var logits: [Float]
        init(config: ModelConfig, contextLength: Int) {
            self.config = config
            self.contextLength = contextLength
            logits = [Float](repeating: 0, count: config.vocabularySize)
        }
    }

    let config = ServerFixtures.student.config

    func makeState(contextLength: Int?) -> any ModelState { State(config: config, contextLength: contextLength ?? config.contextLength) }
    func canReuse(_ state: any ModelState, contextLength: Int) -> Bool { (state as? State)?.contextLength == contextLength }

    func forward(tokens: [Int32], startPosition: Int, state: any ModelState,
                 logits: LogitSelection) throws(InferenceError) -> [Float] {
        let rows = switch logits {
        case .none: tokens.count..<tokens.count
        case .lastToken: (tokens.count - 1)..<tokens.count
        case .allTokens, .subset: 0..<tokens.count
        }
        var out: [Float] = []
        for i in rows {
            out += try forward(token: tokens[i], position: startPosition + i, state: state)
        }
        return out
    }

    func forward(token: Int32, position: Int, state: any ModelState) throws(InferenceError) -> UnsafeBufferPointer<Float> {
        let state = state as! State
        var x = UInt64(position) &* 0x9E37_79B9_7F4A_7C15 | 1
        for i in state.logits.indices {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            // only the eos token is ruled out, so completions run to their length
            state.logits[i] = i == 2 ? -1e9 : Float(x % 1000) / 250
        }
        return state.logits.withUnsafeBufferPointer { UnsafeBufferPointer(start: $0.baseAddress, count: $0.count) }
    }
}
