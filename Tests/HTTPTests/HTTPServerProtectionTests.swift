import TestHTTPClient
import Glibc
import Synchronization
import XCTest

@testable import HTTP

/// Limits, garbage and slow clients, over real sockets: each gets its status, then the connection closes.
final class HTTPServerProtectionTests: XCTestCase {
    private func limited(_ configuration: inout HTTPServer.Configuration) {
        configuration.limits = HTTPParserLimits(maxHeaderBytes: 1024, maxHeaderCount: 8, maxBodyBytes: 1000)
    }

    private func rejection(of request: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        let handled = Atomic<Int>(0)
        var status = 0
        try withServer(configure: limited, handler: { _, responder in
            handled.add(1, ordering: .relaxed)
            responder.respond(status: .ok)
        }) { server in
            let client = try TestHTTPClient(port: server.port, timeout: .seconds(3))
            try client.send(request)
            let response = try client.readResponse()
            status = response.status
            XCTAssertEqual(response.headers["Connection"], "close", file: file, line: line)
            XCTAssertTrue(client.isClosedByServer(), "closed after the error", file: file, line: line)
        }
        XCTAssertEqual(handled.load(ordering: .relaxed), 0, "the application never sees it", file: file, line: line)
        return status
    }

    func testBodyTooLargeIs413EvenWhileTheClientKeepsSending() throws {
        // the 413 goes out on the head; lingering keeps the unread body from turning into a reset
        let body = String(repeating: "b", count: 200_000)
        XCTAssertEqual(try rejection(of: Array("POST / HTTP/1.1\r\nContent-Length: 200000\r\n\r\n\(body)".utf8)), 413)
    }

    func testChunkedBodyTooLargeIs413() throws {
        let chunk = String(repeating: "c", count: 600)
        let request = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n\(chunk)\r\n258\r\n\(chunk)\r\n0\r\n\r\n"
        XCTAssertEqual(try rejection(of: Array(request.utf8)), 413)
    }

    func testHeaderTooLargeIs431() throws {
        let request = "GET / HTTP/1.1\r\nCookie: \(String(repeating: "k", count: 2000))\r\n\r\n"
        XCTAssertEqual(try rejection(of: Array(request.utf8)), 431)
    }

    func testTooManyHeadersIs431() throws {
        let headers = (0..<9).map { "X-\($0): v\r\n" }.joined()
        XCTAssertEqual(try rejection(of: Array("GET / HTTP/1.1\r\n\(headers)\r\n".utf8)), 431)
    }

    func testURITooLongIs414() throws {
        XCTAssertEqual(try rejection(of: Array("GET /\(String(repeating: "u", count: 2000)) HTTP/1.1\r\n\r\n".utf8)), 414)
    }

    func testUnsupportedVersionIs505() throws {
        XCTAssertEqual(try rejection(of: Array("GET / HTTP/2.0\r\n\r\n".utf8)), 505)
    }

    func testGarbageIs400() throws {
        XCTAssertEqual(try rejection(of: [0x16, 0x03, 0x01, 0x00, 0xA5, 0x01, 0x00, 0x00, 0xA1, 0x03, 0x03]), 400)
        XCTAssertEqual(try rejection(of: Array("HELLO\r\n\r\n".utf8)), 400)
    }

    func testErrorAfterAGoodPipelinedRequestKeepsTheGoodResponse() throws {
        try withServer(configure: limited, handler: echoHandler) { server in
            let client = try TestHTTPClient(port: server.port, timeout: .seconds(3))
            try client.send("POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nokGARBAGE\r\n\r\n")
            XCTAssertEqual(try client.readResponse().text, "ok")
            XCTAssertEqual(try client.readResponse().status, 400)
            XCTAssertTrue(client.isClosedByServer())
        }
    }

    func testTransportErrorsUseTheApplicationsRenderer() throws {
        var hooks = HTTPServer.Hooks()
        hooks.errorResponse = { status, reason in
            HTTPResponse(status: status, contentType: "application/json", body: "{\"error\":{\"code\":\(status.code)}}")
        }
        try withServer(hooks: hooks, handler: echoHandler) { server in
            let client = try TestHTTPClient(port: server.port, timeout: .seconds(3))
            try client.send("NOT HTTP\r\n\r\n")
            let response = try client.readResponse()
            XCTAssertEqual(response.headers["Content-Type"], "application/json")
            XCTAssertEqual(response.text, "{\"error\":{\"code\":400}}")
        }
    }

    func testSlowHeadersAreAnsweredWith408AndClosed() throws {
        let handled = Atomic<Int>(0)
        let handler: HTTPHandler = { _, responder in
            handled.add(1, ordering: .relaxed)
            responder.respond(status: .ok)
        }
        try withServer(configure: { $0.requestReadTimeout = .milliseconds(200) }, handler: handler) { server in
            let client = try TestHTTPClient(port: server.port, timeout: .seconds(3))
            let clock = ContinuousClock()
            let start = clock.now
            // a slow-loris client: each line arrives in time, the whole head does not
            for line in ["GET / HTTP/1.1\r\n", "Host: a\r\n", "X-A: 1\r\n", "X-B: 2\r\n"] {
                try? client.send(line)
                usleep(80_000)
            }
            XCTAssertEqual(try client.readResponse().status, 408)
            XCTAssertTrue(client.isClosedByServer())
            XCTAssertLessThan(clock.now - start, .seconds(1))
            XCTAssertEqual(handled.load(ordering: .relaxed), 0)
        }
    }

    func testIdleConnectionIsClosedAfterTheKeepAliveTimeout() throws {
        try withServer(configure: { $0.keepAliveTimeout = .milliseconds(150) }, handler: echoHandler) { server in
            let clock = ContinuousClock()
            let silent = try TestHTTPClient(port: server.port, timeout: .seconds(3))
            let start = clock.now
            XCTAssertTrue(silent.isClosedByServer())
            XCTAssertGreaterThanOrEqual(clock.now - start, .milliseconds(100))

            let reused = try TestHTTPClient(port: server.port, timeout: .seconds(3))
            try reused.send("GET / HTTP/1.1\r\n\r\n")
            XCTAssertEqual(try reused.readResponse().status, 200)
            XCTAssertTrue(reused.isClosedByServer(), "idle after a response counts too")
        }
    }

    func testASlowHandlerIsNotTimedOut() throws {
        let handler: HTTPHandler = { request, responder in
            Thread.detachNewThread {
                usleep(400_000)
                responder.respond(status: .ok, body: request.body)
            }
        }
        try withServer(configure: { $0.requestReadTimeout = .milliseconds(100); $0.keepAliveTimeout = .milliseconds(100) },
            handler: handler)
        { server in
            let client = try TestHTTPClient(port: server.port, timeout: .seconds(3))
            try client.send("POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\nz")
            XCTAssertEqual(try client.readResponse().text, "z")
        }
    }
}
