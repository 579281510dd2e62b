import TestHTTPClient
import Glibc
import XCTest

@testable import HTTP

final class HTTPServerTests: XCTestCase {
    func testEchoOverARealSocket() throws {
        try withServer(handler: echoHandler) { server in
            let client = try TestHTTPClient(port: server.port, timeout: .seconds(3))
            try client.send("POST /echo?x=1 HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nhello world")
            let response = try client.readResponse()
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.text, "hello world")
            XCTAssertEqual(response.headers["Content-Length"], "11")
            XCTAssertEqual(response.headers["X-Path"], "/echo")
            XCTAssertEqual(response.headers["X-Query"], "x=1")
            XCTAssertNotNil(response.headers["Date"])
            XCTAssertNil(response.headers["Connection"])
        }
    }

    func testKeepAliveServesSeveralRequestsOnOneConnection() throws {
        let log = Recorder<HTTPAccessLogEntry>()
        var hooks = HTTPServer.Hooks()
        hooks.accessLog = { log.append($0) }
        try withServer(hooks: hooks, handler: echoHandler) { server in
            let client = try TestHTTPClient(port: server.port, timeout: .seconds(3))
            for index in 0..<5 {
                let body = "request \(index)"
                try client.send("POST /n\(index) HTTP/1.1\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
                let response = try client.readResponse()
                XCTAssertEqual(response.text, body)
            }
            try client.send("GET /last HTTP/1.1\r\nConnection: close\r\n\r\n")
            let last = try client.readResponse()
            XCTAssertEqual(last.headers["Connection"], "close")
            XCTAssertTrue(client.isClosedByServer(), "Connection: close is honoured")
            XCTAssertTrue(eventually { log.count == 6 })
            XCTAssertEqual(log.all.map(\.path), ["/n0", "/n1", "/n2", "/n3", "/n4", "/last"])
            XCTAssertEqual(log.all.first?.method, "POST")
            XCTAssertEqual(log.all.first?.status, 200)
            XCTAssertEqual(log.all.first?.bodyBytes, 9)
            XCTAssertEqual(log.all.first?.clientDisconnected, false)
        }
    }

    func testPipelinedRequestsAreAnsweredInOrderEvenWhenHandlersFinishOutOfOrder() throws {
        // the first request is answered last by its background thread; its response must still come first
        let handler: HTTPHandler = { request, responder in
            let delay: UInt32 = request.path == "/slow" ? 150_000 : 0
            Thread.detachNewThread {
                usleep(delay)
                responder.respond(status: .ok, body: Array(request.path.utf8))
            }
        }
        try withServer(handler: handler) { server in
            let client = try TestHTTPClient(port: server.port, timeout: .seconds(3))
            try client.send("GET /slow HTTP/1.1\r\n\r\nGET /fast1 HTTP/1.1\r\n\r\nGET /fast2 HTTP/1.1\r\n\r\n")
            let bodies = try (0..<3).map { _ in try client.readResponse().text }
            XCTAssertEqual(bodies, ["/slow", "/fast1", "/fast2"])
        }
    }

    func testHTTP10ClosesUnlessAskedToKeepAlive() throws {
        try withServer(handler: echoHandler) { server in
            let plain = try TestHTTPClient(port: server.port, timeout: .seconds(3))
            try plain.send("GET /a HTTP/1.0\r\n\r\n")
            XCTAssertEqual(try plain.readResponse().headers["Connection"], "close")
            XCTAssertTrue(plain.isClosedByServer())

            let keepAlive = try TestHTTPClient(port: server.port, timeout: .seconds(3))
            try keepAlive.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            XCTAssertEqual(try keepAlive.readResponse().headers["Connection"], "keep-alive")
            try keepAlive.send("GET /b HTTP/1.0\r\n\r\n")
            XCTAssertEqual(try keepAlive.readResponse().status, 200)
        }
    }

    func testHeadResponseHasLengthButNoBody() throws {
        try withServer(handler: { _, responder in responder.respond(status: .ok, body: Array("twelve bytes".utf8)) }) { server in
            let client = try TestHTTPClient(port: server.port, timeout: .seconds(3))
            try client.send("HEAD / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n")
            let head = try client.readResponse(isHead: true)
            XCTAssertEqual(head.headers["Content-Length"], "12")
            XCTAssertEqual(try client.readResponse().text, "twelve bytes", "no stray body bytes before the next response")
        }
    }

    func testExpectContinue() throws {
        try withServer(handler: echoHandler) { server in
            let client = try TestHTTPClient(port: server.port, timeout: .seconds(3))
            try client.send("POST / HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
            XCTAssertEqual(try client.readHead().status, 100)
            try client.send("body")
            XCTAssertEqual(try client.readResponse().text, "body")
        }
    }

    func testHandlerThatNeverRespondsGets500() throws {
        try withServer(handler: { _, _ in }) { server in
            let client = try TestHTTPClient(port: server.port, timeout: .seconds(3))
            try client.send("GET / HTTP/1.1\r\n\r\n")
            XCTAssertEqual(try client.readResponse().status, 500)
            try client.send("GET / HTTP/1.1\r\n\r\n")
            XCTAssertEqual(try client.readResponse().status, 500, "the connection stays usable")
        }
    }

    func testBindingABusyPortThrowsUVError() throws {
        try withServer(handler: echoHandler) { server in
            var configuration = HTTPServer.Configuration()
            configuration.port = server.port
            configuration.handlesSignals = false
            let second = HTTPServer(configuration: configuration, handler: echoHandler)
            XCTAssertThrowsError(try second.start()) { error in
                XCTAssertEqual((error as? UVError)?.name, "EADDRINUSE")
            }
        }
        var localhost = HTTPServer.Configuration()
        localhost.host = "localhost"
        localhost.handlesSignals = false
        let named = HTTPServer(configuration: localhost, handler: echoHandler)
        try named.start()
        let client = try TestHTTPClient(port: named.port, timeout: .seconds(3))
        try client.send("GET / HTTP/1.1\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 200)
        named.stop()
        XCTAssertTrue(named.wait(timeout: .seconds(3)))

        var badHost = HTTPServer.Configuration()
        badHost.host = "not-an-address"
        XCTAssertThrowsError(try HTTPServer(configuration: badHost, handler: echoHandler).start())
    }

    func testManyConcurrentConnections() throws {
        try withServer(handler: echoHandler) { server in
            let clients = try (0..<50).map { _ in try TestHTTPClient(port: server.port, timeout: .seconds(3)) }
            XCTAssertTrue(eventually { server.connectionCount == 50 })
            for (index, client) in clients.enumerated() { try client.send("POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\n\(index % 10)!") }
            for (index, client) in clients.enumerated() { XCTAssertEqual(try client.readResponse().text, "\(index % 10)!") }
            for client in clients { client.shutdownWrite() }
            XCTAssertTrue(eventually { server.connectionCount == 0 })
        }
    }
}
