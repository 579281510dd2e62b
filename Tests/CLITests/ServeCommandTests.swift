import Foundation
import Glibc
import TestHTTPClient
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
        let server = try ServeProcess(["--slots", "2"], environment: ["DISTILLERY_API_KEY": "from-the-environment"])
        defer { server.kill() }
        XCTAssertTrue(server.log.contains("distillery: serving rand-student-s"), server.log)
        func status(_ key: String?) throws -> Int {
            let auth = key.map { "Authorization: Bearer \($0)\r\n" } ?? ""
            let reply = try rawHTTP(port: server.port, "GET /v1/models HTTP/1.1\r\nHost: x\r\n\(auth)Connection: close\r\n\r\n")
            return Int(reply.split(separator: " ").dropFirst().first ?? "") ?? -1
        }
        XCTAssertEqual(try status(nil), 401, "DISTILLERY_API_KEY is honoured")
        XCTAssertEqual(try status("from-the-environment"), 200)
        let (code, log) = server.terminate()
        XCTAssertEqual(code, 0)
        XCTAssertTrue(log.contains("\"path\":\"/v1/models\""), "an access-log line per request: \(log)")
        XCTAssertTrue(log.contains("distillery: stopped"), log)
    }

    /// More access log than a pipe holds (64 KB, a few hundred requests): the server keeps answering, and every
    /// line reaches the log. Before `DrainedPipe`, the test's undrained stderr froze the server's event loop here.
    func testAServerThatLogsMoreThanAPipeHoldsKeepsAnswering() throws {
        let server = try ServeProcess([])
        defer { server.kill() }
        let client = try TestHTTPClient(port: server.port, timeout: .seconds(10))
        let requests = 1_000
        for i in 0..<requests {
            XCTAssertEqual(try client.request("GET", "/health").status, 200, "request \(i)")
        }
        let (code, log) = server.terminate()
        XCTAssertEqual(code, 0)
        XCTAssertGreaterThan(log.utf8.count, 65_536)
        XCTAssertEqual(log.components(separatedBy: "\"path\":\"/health\"").count - 1, requests)
    }

    /// `--activations q8_0` serves llama.cpp's arithmetic: from BOS, the first token's log-probs are llama.cpp's.
    /// The default (corrected logit rows) moves them toward f32: its greedy token is another, 0.015 more likely.
    func testActivationsOptionReachesTheEngine() throws {
        let reference = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: CLIRunner.fixture("student-s-q8_0-reference.json")))) as! [String: Any]
        let bos = (reference["cases"] as! [[String: Any]])[0]["top_logprobs"] as! [[String: Any]]
        let want = bos[0]["logprob"] as! Double
        for activations in ["q8_0", "corrected"] {
            let server = try ServeProcess(["--slots", "1", "--activations", activations])
            defer { server.kill() }
            XCTAssertTrue(server.log.contains("\(activations) activations"), server.log)
            let body = #"{"prompt":[1],"max_tokens":1,"temperature":0,"logprobs":5}"#
            let reply = try rawHTTP(port: server.port, "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                    + "application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)")
            let json = try XCTUnwrap(reply.range(of: "\r\n\r\n").map { String(reply[$0.upperBound...]) })
            let completion = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], reply)
            let logprobs = try XCTUnwrap(((completion["choices"] as? [[String: Any]])?.first?["logprobs"]) as? [String: Any])
            let got = try XCTUnwrap((logprobs["token_logprobs"] as? [Double])?.first, "\(logprobs)")
            if activations == "q8_0" {
                XCTAssertEqual(got, want, accuracy: 1e-3)
            } else {
                XCTAssertGreaterThan(abs(got - want), 0.01, "corrected rows are not llama.cpp's Q8_0 arithmetic")
            }
            XCTAssertEqual(server.terminate().status, 0)
        }
    }

    func testAdminReloadSwapsAndExitsNonZeroOnRefusal() throws {
        let server = try ServeProcess(["--admin-token", "admin-t"])
        defer { server.kill() }
        let url = "http://127.0.0.1:\(server.port)"
        let swapped = try CLIRunner.run(["admin", "reload", "--server", url, "--model", CLIRunner.fixture("student-s-q8_0.gguf"),
                                         "--token", "admin-t"])
        XCTAssertEqual(swapped.status, 0, swapped.stderr)
        XCTAssertNotNil(swapped.stdout.range(of: #"^swapped in [0-9a-f]{12} \(.*student-s-q8_0.gguf, 7604480 parameters\) in [0-9.]+ s; previous model [0-9a-f]{12}\n$"#,
                                             options: .regularExpression), swapped.stdout)
        // two replicas: the first reloads and serves the file, the second cannot be reached, and the roll says so
        let rolled = try CLIRunner.run(["admin", "reload", "--server", url, "--server", "http://127.0.0.1:1",
                                        "--model", CLIRunner.fixture("student-s-q8_0.gguf"), "--token", "admin-t"])
        XCTAssertEqual(rolled.status, 1)
        XCTAssertNotNil(rolled.stdout.range(of: #"^\#(url): serves [0-9a-f]{12} \(reloaded in [0-9.]+ s\)\nhttp://127.0.0.1:1: FAILED: cannot connect to 127.0.0.1:1"#,
                                            options: .regularExpression), rolled.stdout)
        XCTAssertTrue(rolled.stderr.contains("error: http://127.0.0.1:1: cannot connect"), rolled.stderr)
        let refused = try CLIRunner.run(["admin", "reload", "--server", url, "--model", "/nonexistent.gguf", "--token", "admin-t"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("error: reload refused: HTTP 400 (model_file_not_found): Model refused: model file not found"),
                      refused.stderr)
        let wrongToken = try CLIRunner.run(["admin", "reload", "--server", url, "--model", CLIRunner.fixture("student-s-q8_0.gguf"),
                                            "--token", "nope"])
        XCTAssertEqual(wrongToken.status, 1)
        XCTAssertTrue(wrongToken.stderr.contains("HTTP 401"), wrongToken.stderr)
        let status = try CLIRunner.run(["admin", "status", "--server", url], environment: ["DISTILLERY_ADMIN_TOKEN": "admin-t"])
        XCTAssertEqual(status.status, 0, status.stderr)
        XCTAssertTrue(status.stdout.contains("\"swaps\":2"), status.stdout)
        let unreachable = try CLIRunner.run(["admin", "status", "--server", "http://127.0.0.1:1", "--token", "x"])
        XCTAssertEqual(unreachable.status, 1)
        XCTAssertTrue(unreachable.stderr.contains("cannot connect to 127.0.0.1:1"), unreachable.stderr)
        let badURL = try CLIRunner.run(["admin", "status", "--server", "ftp://x"])
        XCTAssertEqual(badURL.status, 1)
        XCTAssertEqual(server.terminate().status, 0)
    }

    func testAdminReloadHelpIsExactly() throws {
        let result = try CLIRunner.run(["admin", "reload", "--help"])
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(result.stdout, """
            OVERVIEW: Load and validate a student on the server, then swap it in with no failed request (replicas: one at a time).

            USAGE: distillery admin reload --model <file> [--server <url> ...] [--token <token>] [--eval-data <file> --max-bits-per-byte <x>]

            OPTIONS:
              -m, --model <FILE>       GGUF model file
              --server <URL>           The server; repeat it for replicas, reloaded in turn, stopping at a refusal (default: http://127.0.0.1:8080)
              --token <TOKEN>          Admin token (or set DISTILLERY_ADMIN_TOKEN)
              --eval-data <FILE>       Held-out text the student must score on (quality gate)
              --max-bits-per-byte <X>  Refuse the student if it scores worse than this on --eval-data
              --json                   Print machine-readable JSON
              -h, --help               Show help information

            """)
    }

    /// Sends `request` over a plain socket and returns everything the server answers until it closes.
    private func rawHTTP(port: Int, _ request: String) throws -> String {
        let client = try TestHTTPClient(port: port, timeout: .seconds(10))
        try client.send(request)
        return String(decoding: try client.readToEnd(), as: UTF8.self)
    }
}

/// `distillery serve` running in the background on a free port, for the duration of a test. Its stderr (the
/// access log among it) is drained all along, so a long test cannot freeze the server on a full pipe.
final class ServeProcess {
    let process = Process()
    private let errors = DrainedPipe()
    private(set) var port = 0

    /// What the server wrote to stderr so far.
    var log: String { errors.text }

    init(_ extra: [String], environment: [String: String] = [:]) throws {
        process.executableURL = CLIRunner.executable
        process.arguments = ["serve", "-m", CLIRunner.fixture("student-s-q8_0.gguf"), "--port", "0"] + extra
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardError = errors.pipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        errors.startDraining()
        let deadline = Date().addingTimeInterval(30)
        while !log.contains("distillery: serving"), process.isRunning, Date() < deadline {
            usleep(10_000)
        }
        let log = self.log
        guard let range = log.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression),
              let port = Int(log[range].split(separator: ":").last!) else {
            kill()
            throw POSIXError(.ECONNREFUSED)
        }
        self.port = port
    }

    /// SIGTERM, then the exit status and everything written to stderr.
    func terminate() -> (status: Int32, log: String) {
        process.terminate()
        process.waitUntilExit()
        return (process.terminationStatus, errors.textAtEnd())
    }

    func kill() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}
