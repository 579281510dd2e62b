#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestHTTPClient
import XCTest

/// `distillery admin distill --reload` against a fake server on 127.0.0.1: the reload request it sends,
/// the quality gate, and a refused reload. The runs share one work folder, so only the first distills
/// from scratch.
final class AdminDistillTests: XCTestCase {
    static let folder: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("admin-distill-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    override class func tearDown() {
        try? FileManager.default.removeItem(at: folder)
        super.tearDown()
    }

    private func adminDistill(_ server: FakeAdminServer, _ extra: [String],
                              environment: [String: String] = [:]) throws -> CLIResult {
        try CLIRunner.run(["admin", "distill"] + DistillCommandTests.distillArguments() + ["--reload", server.url] + extra,
                          in: Self.folder, environment: environment)
    }

    func testReloadsTheServerWithTheNewStudentAndPrintsItsVersion() throws {
        let server = try FakeAdminServer()
        defer { server.stop() }
        let result = try adminDistill(server, [], environment: ["DISTILLERY_ADMIN_TOKEN": "s3cret"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasSuffix("version v-1234abcd\n"), result.stdout)

        let requests = server.requests
        XCTAssertEqual(requests.count, 2, "the reload, then the status that shows the new version")
        XCTAssertEqual(requests.last?.requestLine, "GET /admin/status HTTP/1.1")
        let request = try XCTUnwrap(requests.first)
        XCTAssertEqual(request.requestLine, "POST /admin/reload HTTP/1.1")
        XCTAssertEqual(request.headers["authorization"], "Bearer s3cret")
        XCTAssertEqual(request.headers["content-type"], "application/json")
        let body = try XCTUnwrap(JSONSerialization.jsonObject(with: request.body) as? [String: String])
        let student = Self.folder.appendingPathComponent("out/student.gguf").standardizedFileURL.path
        XCTAssertEqual(body, ["model": student])
        XCTAssertTrue(FileManager.default.fileExists(atPath: student))
    }

    /// The whole flow against the real server: `distillery serve` started on the fixture, a student
    /// distilled and swapped in, and the server answering with it.
    func testDistillsAndHotSwapsIntoARealServer() throws {
        let server = try ServeProcess(["--admin-token", "admin-t"])
        defer { server.kill() }
        let url = "http://127.0.0.1:\(server.port)"
        let result = try CLIRunner.run(["admin", "distill"] + DistillCommandTests.distillArguments()
                                           + ["--reload", url, "--token", "admin-t", "--max-bits-per-byte", "100"],
                                       in: Self.folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        let version = try XCTUnwrap(result.stdout.split(separator: "\n").last?.split(separator: " ").last.map(String.init))
        XCTAssertNotEqual(version, "?")

        let status = try CLIRunner.run(["admin", "status", "--server", url, "--token", "admin-t"], in: Self.folder)
        XCTAssertEqual(status.status, 0, status.stderr)
        let answer = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let model = try XCTUnwrap(answer["model"] as? [String: Any])
        XCTAssertEqual(model["version"] as? String, version)
        XCTAssertEqual(model["path"] as? String,
                       Self.folder.appendingPathComponent("out/student.gguf").standardizedFileURL.path)

        // and it answers completions with the new student
        let body = #"{"prompt": "struct", "max_tokens": 4, "temperature": 0}"#
        let reply = try Self.post(port: server.port, path: "/v1/completions", body: body)
        XCTAssertTrue(reply.hasPrefix("HTTP/1.1 200"), reply)
        XCTAssertTrue(reply.contains("\"model\":\"\(version)\""), reply)
    }

    /// One HTTP/1.1 POST on a fresh connection; the whole reply as text.
    static func post(port: Int, path: String, body: String) throws -> String {
        let client = try TestHTTPClient(port: port, timeout: .seconds(30))
        try client.send("POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)")
        return String(decoding: try client.readToEnd(), as: UTF8.self)
    }

    func testAStudentAboveTheGateLeavesTheServerAlone() throws {
        let server = try FakeAdminServer()
        defer { server.stop() }
        let result = try adminDistill(server, ["--token", "t", "--max-bits-per-byte", "0.01"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("is above --max-bits-per-byte 0.01"), result.stderr)
        XCTAssertTrue(result.stderr.contains("left alone"), result.stderr)
        XCTAssertTrue(server.requests.isEmpty)

        let passing = try adminDistill(server, ["--token", "t", "--max-bits-per-byte", "999"])
        XCTAssertEqual(passing.status, 0, passing.stderr)
        XCTAssertEqual(server.requests.first?.requestLine, "POST /admin/reload HTTP/1.1")
        XCTAssertEqual(server.requests.first?.headers["authorization"], "Bearer t", "--token wins over nothing")
    }

    func testARefusedReloadFailsWithTheServersMessage() throws {
        let server = try FakeAdminServer(status: 422, body: #"{"error":{"message":"not an int8 llama student","type":"invalid_request_error"}}"#)
        defer { server.stop() }
        let result = try adminDistill(server, ["--token", "t"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("reload refused: HTTP 422: not an int8 llama student"), result.stderr)
    }

    func testAnUnreachableServerIsAClearError() throws {
        let server = try FakeAdminServer()
        let url = server.url
        server.stop()
        let result = try CLIRunner.run(["admin", "distill"] + DistillCommandTests.distillArguments() + ["--reload", url],
                                       in: Self.folder)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("cannot connect to 127.0.0.1"), result.stderr)
    }
}
