import Foundation
import Glibc
import XCTest

/// `distillery serve` as a user runs it: refusals exit 1 with a clear message, SIGTERM drains and exits 0.
final class ServeCommandTests: XCTestCase {
    func testRefusedModelsExit1WithAClearMessage() throws {
        let tooLarge = try CLIRunner.run(["serve", "-m", CLIRunner.fixture("student-s-q8_0.gguf"), "--port", "0",
                                          "--max-params", "5M"])
        XCTAssertEqual(tooLarge.status, 1)
        XCTAssertTrue(tooLarge.stderr.contains("error: the model has 7604480 parameters, over the limit of 5000000"), tooLarge.stderr)
        let missing = try CLIRunner.run(["serve", "-m", "/nonexistent.gguf", "--port", "0"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("error: model file not found: /nonexistent.gguf"), missing.stderr)
        let badCount = try CLIRunner.run(["serve", "-m", "x.gguf", "--max-params", "lots"])
        XCTAssertEqual(badCount.status, 64)
        let noModel = try CLIRunner.run(["serve"])
        XCTAssertEqual(noModel.status, 64)
        XCTAssertTrue(noModel.stderr.contains("missing required option --model"), noModel.stderr)
    }

    func testServesThenDrainsOnSIGTERMAndExits0() throws {
        let process = Process()
        process.executableURL = CLIRunner.executable
        process.arguments = ["serve", "-m", CLIRunner.fixture("student-s-q8_0.gguf"), "--port", "0", "--slots", "2"]
        var environment = ProcessInfo.processInfo.environment
        environment["DISTILLERY_API_KEY"] = "from-the-environment"
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = Pipe()
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        var log = ""
        var port: Int?
        let deadline = Date().addingTimeInterval(30)
        while !log.contains("distillery: serving"), Date() < deadline {
            let data = errors.fileHandleForReading.availableData
            if data.isEmpty { break }
            log += String(decoding: data, as: UTF8.self)
        }
        if let range = log.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
            port = Int(log[range].split(separator: ":").last!)
        }
        let listening = try XCTUnwrap(port, log)
        XCTAssertTrue(log.contains("distillery: serving rand-student-s"), log)

        func request(_ key: String?) throws -> Int {
            let auth = key.map { "Authorization: Bearer \($0)\r\n" } ?? ""
            let reply = try rawHTTP(port: listening, "GET /v1/models HTTP/1.1\r\nHost: x\r\n\(auth)Connection: close\r\n\r\n")
            return Int(reply.split(separator: " ").dropFirst().first ?? "") ?? -1
        }
        XCTAssertEqual(try request(nil), 401, "DISTILLERY_API_KEY is honoured")
        XCTAssertEqual(try request("from-the-environment"), 200)

        process.terminate()  // SIGTERM
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        log += String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertTrue(log.contains("\"path\":\"/v1/models\""), "an access-log line per request: \(log)")
        XCTAssertTrue(log.contains("distillery: stopped"), log)
    }

    /// Sends `request` over a plain socket and returns everything the server answers until it closes.
    private func rawHTTP(port: Int, _ request: String) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = Array(request.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            reply += buffer[0..<count]
        }
        return String(decoding: reply, as: UTF8.self)
    }
}
