import Engine
import Foundation
import XCTest

@testable import Server

/// Issue 21: a student rolled across replicas one at a time, each serving it before the next is touched, and
/// the roll stopping at the first replica that refuses.
final class RollingReloadTests: XCTestCase {
    static let token = "fleet-secret"

    private func replicas(_ count: Int, tokens: [String]? = nil) throws -> [RunningServer] {
        try (0..<count).map { index in
            try RunningServer { $0.adminToken = tokens?[index] ?? Self.token }
        }
    }

    private func currentVersion(_ server: RunningServer) throws -> String? {
        let status = try server.request("GET", "/admin/status", headers: ["Authorization": "Bearer \(Self.token)"]).json()
        return (status["model"] as? [String: Any])?["version"] as? String
    }

    func testEveryReplicaEndsOnTheNewVersionOneAfterAnother() throws {
        let fleet = try replicas(3)
        defer { fleet.forEach { $0.stop() } }
        let path = try StudentFiles.randomStudent("rolled", seed: 21)
        let newVersion = try ModelLoader(options: ModelLoadOptions()).load(path: path).version
        XCTAssertNotEqual(newVersion, ServerFixtures.student.version)

        var heard: [(server: String, versions: [String?])] = []
        let roll = try RollingReload(servers: fleet.map { "http://127.0.0.1:\($0.port)" })
        let replicas = roll.run(model: path, token: Self.token) { replica in
            // when a replica is reported, it serves the new version and the ones after it have not been touched
            heard.append((replica.server, fleet.map { try? self.currentVersion($0) }))
        }
        XCTAssertEqual(replicas.map(\.server), fleet.map { "http://127.0.0.1:\($0.port)" })
        for (index, replica) in replicas.enumerated() {
            guard case .reloaded(let version, let seconds) = replica.outcome else {
                return XCTFail("replica \(index): \(replica.outcome)")
            }
            XCTAssertEqual(version, newVersion)
            XCTAssertGreaterThanOrEqual(seconds, 0)
            let expected = (0..<fleet.count).map { $0 <= index ? newVersion : ServerFixtures.student.version }
            XCTAssertEqual(heard[index].versions, expected, "after replica \(index)")
        }
        XCTAssertEqual(try fleet.map { try currentVersion($0) }, Array(repeating: newVersion, count: 3))
    }

    func testTheRollStopsAtARefusalAndLeavesTheRestOnTheirVersion() throws {
        let fleet = try replicas(3, tokens: [Self.token, "another-token", Self.token])
        defer { fleet.forEach { $0.stop() } }
        let path = try StudentFiles.randomStudent("refused", seed: 22)
        let newVersion = try ModelLoader(options: ModelLoadOptions()).load(path: path).version
        let old = ServerFixtures.student.version

        let replicas = try RollingReload(servers: fleet.map { "http://127.0.0.1:\($0.port)" }).run(model: path, token: Self.token)
        XCTAssertEqual(replicas[0].outcome, .reloaded(version: newVersion, seconds: try XCTUnwrap(seconds(replicas[0]))))
        guard case .failed(let reason) = replicas[1].outcome else { return XCTFail("\(replicas[1].outcome)") }
        XCTAssertTrue(reason.contains("HTTP 401"), reason)
        XCTAssertEqual(replicas[2].outcome, .untouched(version: old))
        XCTAssertEqual(try currentVersion(fleet[0]), newVersion)
        XCTAssertEqual(try currentVersion(fleet[2]), old, "the replica after the refusal was not reloaded")

        // a file that does not load is refused by the first replica, and nothing changes
        let missing = try RollingReload(servers: fleet.map { "http://127.0.0.1:\($0.port)" })
            .run(model: "/nonexistent/student.gguf", token: Self.token)
        guard case .failed(let why) = missing[0].outcome else { return XCTFail("\(missing[0].outcome)") }
        XCTAssertTrue(why.contains("model_file_not_found"), why)
        XCTAssertEqual(missing[1].outcome, .untouched(version: nil), "its status needs its own token")
        XCTAssertEqual(missing[2].outcome, .untouched(version: old))
    }

    func testAnUnreachableReplicaStopsTheRoll() throws {
        let fleet = try replicas(1)
        defer { fleet.forEach { $0.stop() } }
        let path = try StudentFiles.randomStudent("unreached", seed: 23)
        let replicas = try RollingReload(servers: ["http://127.0.0.1:1", "http://127.0.0.1:\(fleet[0].port)"])
            .run(model: path, token: Self.token)
        guard case .failed(let reason) = replicas[0].outcome else { return XCTFail("\(replicas[0].outcome)") }
        XCTAssertTrue(reason.contains("cannot connect to 127.0.0.1:1"), reason)
        XCTAssertEqual(replicas[1].outcome, .untouched(version: ServerFixtures.student.version))
        XCTAssertThrowsError(try RollingReload(servers: ["ftp://x"]))
    }

    private func seconds(_ replica: RollingReload.Replica) -> Double? {
        if case .reloaded(_, let seconds) = replica.outcome { seconds } else { nil }
    }
}
