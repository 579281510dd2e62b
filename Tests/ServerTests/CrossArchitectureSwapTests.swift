import Engine
import Foundation
import Synchronization
import XCTest

@testable import Server

/// Issue 17: hot swap across architectures, llama -> gemma3 -> llama, under 16 streaming clients. No request
/// fails, and each finishes on the model it started with: its text is wholly that model's greedy text.
final class CrossArchitectureSwapTests: XCTestCase {
    static let auth = ["Authorization": "Bearer swap-token"]

    func testLlamaToGemma3ToLlamaUnderSixteenStreamingClients() throws {
        let tokens = 96, clients = 16
        let llama = ServerFixtures.student
        let gemmaPath = try StudentFiles.randomStudent("gemma-swap", architecture: "gemma3", layers: 2, seed: 9)
        let gemma = try ModelLoader(options: ModelLoadOptions()).load(path: gemmaPath)
        var expected: [String: [String]] = [:]
        for model in [llama, gemma] {
            expected[model.version] = try StreamingClientsUnderSwap.expectedTexts(model, clients: clients, tokens: tokens)
        }
        XCTAssertNotEqual(expected[llama.version], expected[gemma.version], "the two students differ")

        let running = try RunningServer(model: try ModelLoader(options: ModelLoadOptions()).load(path: ServerFixtures.studentPath)) {
            $0.scheduler.slots = 16
            $0.adminToken = "swap-token"
        }
        let load = StreamingClientsUnderSwap(running, clients: clients, tokens: tokens)
        var swaps: [ContinuousClock.Instant] = [.now]
        XCTAssertTrue(running.eventually(.seconds(90)) { load.everyClientFinished(after: swaps[0], on: llama.version) })
        for (path, version) in [(gemmaPath, gemma.version), (ServerFixtures.studentPath, llama.version)] {
            let reload = try running.request("POST", "/admin/reload", json: ["model": path], headers: Self.auth)
            XCTAssertEqual(reload.status, 200, reload.text)
            XCTAssertEqual(reload.header("X-Model-Version"), version)
            swaps.append(.now)
            XCTAssertTrue(running.eventually(.seconds(90)) { load.everyClientFinished(after: swaps.last!, on: version) },
                          "every client finished a request on \(version)")
        }
        let all = try load.stopAndCheck(expected: expected)
        // requests that straddled a swap finished on their own model
        for (i, swap) in swaps.dropFirst().enumerated() {
            let before = i == 0 ? llama.version : gemma.version
            XCTAssertTrue(all.contains { $0.headerVersion == before && $0.startedAt < swap }, "requests began on \(before)")
        }
        XCTAssertTrue(all.contains { $0.headerVersion == gemma.version })
        let status = try running.request("GET", "/admin/status", headers: Self.auth).json()
        XCTAssertEqual(status["swaps"] as? Int, 2)
        XCTAssertEqual((status["model"] as? [String: Any])?["architecture"] as? String, "llama")
        running.stop()
    }
}
