import Engine
import Foundation
import Synchronization
import XCTest

@testable import Server

/// Closed-loop streaming clients that keep a server busy while a test swaps its model, and the checks every
/// hot-swap test makes of what they saw: no request failed, and each one is wholly one model's greedy text.
final class StreamingClientsUnderSwap: @unchecked Sendable {
    /// One streamed completion as a client saw it.
    struct Observed {
        var client: Int
        var startedAt: ContinuousClock.Instant
        var finishedAt: ContinuousClock.Instant
        var headerVersion: String?
        var chunkVersions: Set<String>
        var text: String
        var finishReason: String?
        var completionTokens: Int?
        var sawDone: Bool
    }

    let clients: Int
    let tokens: Int
    private let observations = Mutex<[Observed]>([])
    private let failures = Mutex<[String]>([])
    private let stopping = Atomic<Bool>(false)
    private let group = DispatchGroup()

    static func prompt(_ client: Int) -> String { "Client \(client) streams:" }

    /// The greedy text `model` gives client i's prompt: what its response must be if that model served it.
    static func expectedTexts(_ model: LoadedModel, clients: Int, tokens: Int) throws -> [String] {
        let engine = model.engine as! Int8TransformerModel
        return try (0..<clients).map { client in
            let prompt = model.tokenizer.encode(Self.prompt(client), addBOS: model.tokenizer.addsBOSByDefault)
            return model.tokenizer.decode(try ServerFixtures.greedyIDs(prompt, count: tokens, model: engine), isContinuation: true)
        }
    }

    /// Starts the clients: each streams `tokens` greedy tokens (usage included), again and again until `stop`.
    init(_ server: RunningServer, clients: Int, tokens: Int) {
        self.clients = clients
        self.tokens = tokens
        for client in 0..<clients {
            group.enter()
            Thread.detachNewThread { [self] in
                defer { group.leave() }
                while !stopping.load(ordering: .relaxed) {
                    let started = ContinuousClock.now
                    do {
                        let streamed = try server.stream(["prompt": Self.prompt(client), "max_tokens": tokens, "temperature": 0,
                                                          "ignore_eos": true, "stream_options": ["include_usage": true]])
                        let usage = streamed.chunks.last?["usage"] as? [String: Int]
                        let seen = Observed(client: client, startedAt: started, finishedAt: .now,
                                            headerVersion: streamed.header("X-Model-Version"),
                                            chunkVersions: Set(streamed.chunks.compactMap { $0["model"] as? String }),
                                            text: streamed.text(), finishReason: streamed.finishReason(),
                                            completionTokens: usage?["completion_tokens"], sawDone: streamed.sawDone)
                        observations.withLock { $0.append(seen) }
                    } catch {
                        failures.withLock { $0.append("client \(client): \(error)") }
                    }
                }
            }
        }
    }

    /// Whether every client finished a request begun after `instant`, served by `version` if one is given.
    func everyClientFinished(after instant: ContinuousClock.Instant, on version: String? = nil) -> Bool {
        let served = observations.withLock { $0 }.filter { $0.startedAt > instant && (version == nil || $0.headerVersion == version) }
        return Set(served.map(\.client)).count == clients
    }

    /// Stops the clients, waits for them, and checks every request: none failed, each ran to its length, and
    /// its text is wholly the greedy text of the model its header names (`expected[version][client]`).
    /// Returns what the clients saw, for a test's own checks.
    func stopAndCheck(expected: [String: [String]], file: StaticString = #filePath, line: UInt = #line) throws -> [Observed] {
        stopping.store(true, ordering: .relaxed)
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success, "the clients stopped", file: file, line: line)
        XCTAssertEqual(failures.withLock { $0 }, [], "no request failed", file: file, line: line)
        let all = observations.withLock { $0 }
        for observed in all {
            let label = "client \(observed.client)"
            XCTAssertTrue(observed.sawDone, "\(label): truncated", file: file, line: line)
            XCTAssertEqual(observed.finishReason, "length", label, file: file, line: line)
            XCTAssertEqual(observed.completionTokens, tokens, label, file: file, line: line)
            let version = try XCTUnwrap(observed.headerVersion, label, file: file, line: line)
            XCTAssertEqual(observed.chunkVersions, [version], "\(label): every chunk names the model of the header",
                           file: file, line: line)
            XCTAssertEqual(observed.text, expected[version]?[observed.client], "\(label): the text is wholly \(version)'s",
                           file: file, line: line)
        }
        return all
    }
}
