import Engine
import Foundation
import Synchronization
import XCTest

@testable import Server

/// Issue 17: hot swap across architectures, llama -> gemma3 -> llama, under 16 streaming clients. No request
/// fails, and each finishes on the model it started with: its text is wholly that model's greedy text.
final class CrossArchitectureSwapTests: XCTestCase {
    static let auth = ["Authorization": "Bearer swap-token"]

    private static func prompt(_ client: Int) -> String { "Client \(client) streams:" }

    private static func expectedText(_ model: LoadedModel, client: Int, tokens: Int) throws -> String {
        let engine = (model.engine as! Int8TransformerModel)
        let prompt = model.tokenizer.encode(Self.prompt(client), addBOS: model.tokenizer.addsBOSByDefault)
        return model.tokenizer.decode(try ServerFixtures.greedyIDs(prompt, count: tokens, model: engine), isContinuation: true)
    }

    func testLlamaToGemma3ToLlamaUnderSixteenStreamingClients() throws {
        let tokens = 96, clients = 16
        let llama = ServerFixtures.student
        let gemmaPath = try StudentFiles.randomStudent("gemma-swap", architecture: "gemma3", layers: 2, seed: 9)
        let gemma = try ModelLoader(options: ModelLoadOptions()).load(path: gemmaPath)
        var expected: [String: [String]] = [:]
        for model in [llama, gemma] {
            expected[model.version] = try (0..<clients).map { try Self.expectedText(model, client: $0, tokens: tokens) }
        }
        XCTAssertNotEqual(expected[llama.version], expected[gemma.version], "the two students differ")

        let running = try RunningServer(model: try ModelLoader(options: ModelLoadOptions()).load(path: ServerFixtures.studentPath)) {
            $0.scheduler.slots = 16
            $0.adminToken = "swap-token"
        }
        struct Observed { let client: Int; let version: String?; let chunkVersions: Set<String?>; let text: String
                          let finish: String?; let done: Bool; let started: ContinuousClock.Instant }
        let observed = Mutex<[Observed]>([]), failures = Mutex<[String]>([])
        let stop = Atomic<Bool>(false)
        let group = DispatchGroup()
        for client in 0..<clients {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                while !stop.load(ordering: .relaxed) {
                    let started = ContinuousClock.now
                    do {
                        let streamed = try running.stream(["prompt": Self.prompt(client), "max_tokens": tokens,
                                                           "temperature": 0, "ignore_eos": true])
                        observed.withLock {
                            $0.append(Observed(client: client, version: streamed.header("X-Model-Version"),
                                               chunkVersions: Set(streamed.chunks.map { $0["model"] as? String }),
                                               text: streamed.text(), finish: streamed.finishReason(),
                                               done: streamed.sawDone, started: started))
                        }
                    } catch {
                        failures.withLock { $0.append("client \(client): \(error)") }
                    }
                }
            }
        }
        func servedSince(_ instant: ContinuousClock.Instant, by version: String) -> Int {
            Set(observed.withLock { $0 }.filter { $0.started > instant && $0.version == version }.map(\.client)).count
        }
        var swaps: [ContinuousClock.Instant] = [.now]
        XCTAssertTrue(running.eventually(.seconds(90)) { servedSince(swaps[0], by: llama.version) == clients })
        for (path, version) in [(gemmaPath, gemma.version), (ServerFixtures.studentPath, llama.version)] {
            let reload = try running.request("POST", "/admin/reload", json: ["model": path], headers: Self.auth)
            XCTAssertEqual(reload.status, 200, reload.text)
            XCTAssertEqual(reload.header("X-Model-Version"), version)
            swaps.append(.now)
            XCTAssertTrue(running.eventually(.seconds(90)) { servedSince(swaps.last!, by: version) == clients },
                          "every client finished a request on \(version)")
        }
        stop.store(true, ordering: .relaxed)
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success)

        XCTAssertEqual(failures.withLock { $0 }, [], "no request failed")
        let all = observed.withLock { $0 }
        for request in all {
            let label = "client \(request.client)"
            XCTAssertTrue(request.done, "\(label): truncated")
            XCTAssertEqual(request.finish, "length", label)
            let version = try XCTUnwrap(request.version, label)
            XCTAssertEqual(request.chunkVersions, [version], "\(label): every chunk names the model of the header")
            XCTAssertEqual(request.text, expected[version]?[request.client], "\(label): the text is wholly \(version)'s")
        }
        // requests that straddled a swap finished on their own model
        for (i, swap) in swaps.dropFirst().enumerated() {
            let before = i == 0 ? llama.version : gemma.version
            XCTAssertTrue(all.contains { $0.version == before && $0.started < swap }, "requests began on \(before)")
        }
        XCTAssertTrue(all.contains { $0.version == gemma.version })
        let status = try running.request("GET", "/admin/status", headers: Self.auth).json()
        XCTAssertEqual(status["swaps"] as? Int, 2)
        XCTAssertEqual((status["model"] as? [String: Any])?["architecture"] as? String, "llama")
        running.stop()
    }
}
