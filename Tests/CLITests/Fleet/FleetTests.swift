#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestHTTPClient
import XCTest

/// Issue 21: three `distillery serve` replicas behind nginx (the shipped config), 16 streaming clients through
/// it, a new student rolled across the fleet, and a replica killed under load.
final class FleetTests: XCTestCase {
    static let token = "fleet-t"
    static let clients = 16

    private func startReplicas(_ count: Int) throws -> [ServeProcess] {
        try (0..<count).map { _ in try ServeProcess(["--admin-token", Self.token, "--slots", "4"]) }
    }

    private func version(_ replica: ServeProcess) throws -> String? {
        let status = try TestHTTPClient(port: replica.port).request("GET", "/admin/status",
                                                                    headers: ["Authorization": "Bearer \(Self.token)"])
        let object = try JSONSerialization.jsonObject(with: Data(status.body)) as? [String: Any]
        return (object?["model"] as? [String: Any])?["version"] as? String
    }

    /// A real student distilled for the occasion: another file, another version.
    private func newStudent(in folder: URL) throws -> String {
        let result = try CLIRunner.run(["distill"] + DistillCommandTests.distillArguments(extra: ["--quiet", "--lines", "0"])
                                       + ["-o", "new/student"], in: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        return folder.appendingPathComponent("new/student.gguf").path
    }

    func testARollingReloadThroughNginxFailsNothingAndEndsWithEveryReplicaOnTheNewVersion() throws {
        let folder = try DistillCommandTests.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let student = try newStudent(in: folder)
        let replicas = try startReplicas(3)
        defer { replicas.forEach { $0.kill() } }
        let front = try NginxFront(replicaPorts: replicas.map(\.port))
        defer { front.stop() }
        let oldVersion = try XCTUnwrap(try version(replicas[0]))

        let clients = FleetClients(port: front.port, clients: Self.clients, tokens: 24)
        let start = ContinuousClock.now
        XCTAssertTrue(FleetClients.eventually(60) { clients.everyClientFinished(after: start) }, "every client got an answer")
        let servers = replicas.flatMap { ["--server", "http://127.0.0.1:\($0.port)"] }
        let roll = try CLIRunner.run(["admin", "reload", "--model", student, "--token", Self.token] + servers)
        let rolledAt = ContinuousClock.now
        XCTAssertEqual(roll.status, 0, roll.stdout + roll.stderr)
        let lines = roll.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 3, roll.stdout)
        XCTAssertTrue(FleetClients.eventually(60) { clients.everyClientFinished(after: rolledAt) }, "clients carried on")
        let requests = clients.stop()

        XCTAssertEqual(requests.filter { $0.failure != nil }.map { "\($0.replica ?? "?"): \($0.failure!)" }, [],
                       "no request failed during the roll")
        let newVersion = try XCTUnwrap(try version(replicas[0]))
        XCTAssertNotEqual(newVersion, oldVersion)
        for (replica, line) in zip(replicas, lines) {
            XCTAssertEqual(try version(replica), newVersion)
            XCTAssertTrue(line.hasPrefix("http://127.0.0.1:\(replica.port): serves \(newVersion)"), String(line))
        }
        XCTAssertEqual(Set(requests.compactMap(\.version)), [oldVersion, newVersion], "both versions served during the roll")
        XCTAssertEqual(Set(requests.filter { $0.startedAt > rolledAt }.compactMap(\.version)), [newVersion])
        XCTAssertEqual(Set(requests.compactMap(\.replica)).count, 3, "nginx spread the clients over the replicas")

        // admin requests are not balanced: they go to each replica directly
        let admin = try TestHTTPClient(port: front.port).request("GET", "/admin/status",
                                                                 headers: ["Authorization": "Bearer \(Self.token)"])
        XCTAssertEqual(admin.status, 403)
        XCTAssertTrue(admin.text.contains("admin_through_balancer"), admin.text)
    }

    func testNginxRoutesAroundAKilledReplicaAndOnlyItsRunningStreamsFail() throws {
        let replicas = try startReplicas(3)
        defer { replicas.forEach { $0.kill() } }
        let front = try NginxFront(replicaPorts: replicas.map(\.port))
        defer { front.stop() }

        let clients = FleetClients(port: front.port, clients: Self.clients, tokens: 64)
        let start = ContinuousClock.now
        XCTAssertTrue(FleetClients.eventually(60) { clients.everyClientFinished(after: start) }, "every client got an answer")
        let victim = replicas[1]
        let victimAddress = "127.0.0.1:\(victim.port)"
        Glibc.kill(victim.process.processIdentifier, SIGKILL)
        let killedAt = ContinuousClock.now
        victim.process.waitUntilExit()
        XCTAssertTrue(FleetClients.eventually(60) { clients.everyClientFinished(after: killedAt + .seconds(1)) },
                      "the fleet kept serving every client")
        let requests = clients.stop()

        let failed = requests.filter { $0.failure != nil }
        print("fleet: \(requests.count) requests, \(failed.count) cut off by the kill")
        for request in failed {
            XCTAssertEqual(request.replica, victimAddress, "a failure not from the killed replica: \(request.failure!)")
            XCTAssertLessThan(request.startedAt, killedAt, "a request begun after the kill failed: \(request.failure!)")
        }
        // at most what was running or queued on it: 4 slots, and clients waiting behind them
        XCTAssertLessThanOrEqual(failed.count, Self.clients)
        let after = requests.filter { $0.startedAt > killedAt }
        XCTAssertFalse(after.isEmpty)
        XCTAssertTrue(after.allSatisfy { $0.failure == nil && $0.replica != victimAddress },
                      "after the kill nginx sends nothing to the dead replica that reaches a client")
    }

    func testTheShippedConfigurationIsRewrittenForTheTest() throws {
        let template = try String(contentsOfFile: CLIRunner.packageRoot.appendingPathComponent("deploy/nginx/distillery.conf").path,
                                  encoding: .utf8)
        let config = try NginxFront.configuration(template, replicaPorts: [9001, 9002], port: 9000)
        XCTAssertTrue(config.contains("server 127.0.0.1:9001 max_fails=1 fail_timeout=5s;\n        server 127.0.0.1:9002 max_fails=1"))
        XCTAssertFalse(config.contains("server 127.0.0.1:808"), "the example replicas are gone")
        XCTAssertTrue(config.contains("listen 127.0.0.1:9000;"))
        XCTAssertTrue(config.contains("proxy_buffering off;"), "SSE passes through unbuffered")
    }
}
