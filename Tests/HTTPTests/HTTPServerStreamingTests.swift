import TestHTTPClient
import Glibc
import Synchronization
import XCTest

@testable import HTTP

final class HTTPServerStreamingTests: XCTestCase {
    /// Streams `count` events from a background thread, `interval` apart.
    private func streamingHandler(count: Int, interval: UInt32 = 0) -> HTTPHandler {
        { _, responder in
            Thread.detachNewThread {
                let writer = SSEWriter(responder: responder)
                writer.start()
                for index in 0..<count {
                    if interval > 0 { usleep(interval) }
                    writer.send(data: "token \(index)")
                }
                writer.finish()
            }
        }
    }

    private func expectedEvents(_ count: Int) -> String {
        (0..<count).map { "data: token \($0)\n\n" }.joined()
    }

    func testSSEWrittenFromABackgroundThread() throws {
        try withServer(handler: streamingHandler(count: 20, interval: 1_000)) { server in
            let client = try TestHTTPClient(port: server.port, timeout: .seconds(3))
            try client.send("POST /v1/completions HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
            let head = try client.readHead()
            XCTAssertEqual(head.status, 200)
            XCTAssertEqual(head.headers["Content-Type"], "text/event-stream")
            XCTAssertEqual(head.headers["Transfer-Encoding"], "chunked")
            XCTAssertNil(head.headers["Content-Length"])
            var body: [UInt8] = []
            var chunkCount = 0
            while let chunk = try client.readChunk() {
                body += chunk
                chunkCount += 1
            }
            XCTAssertEqual(String(decoding: body, as: UTF8.self), expectedEvents(20))
            XCTAssertGreaterThan(chunkCount, 1, "events go out as they are written")
            // the connection survives a finished stream
            try client.send("POST /again HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
            XCTAssertEqual(try client.readResponse().text, expectedEvents(20))
        }
    }

    func testHTTP10StreamIsCloseDelimited() throws {
        try withServer(handler: streamingHandler(count: 3)) { server in
            let client = try TestHTTPClient(port: server.port, timeout: .seconds(3))
            try client.send("GET / HTTP/1.0\r\n\r\n")
            let response = try client.readResponse()
            XCTAssertNil(response.headers["Transfer-Encoding"])
            XCTAssertEqual(response.headers["Connection"], "close")
            XCTAssertEqual(response.text, expectedEvents(3))
        }
    }

    func testClientDisconnectIsSeenByTheResponder() throws {
        let disconnected = Atomic<Bool>(false)
        let stoppedWriting = Atomic<Bool>(false)
        let log = Recorder<HTTPAccessLogEntry>()
        var hooks = HTTPServer.Hooks()
        hooks.accessLog = { log.append($0) }
        let handler: HTTPHandler = { _, responder in
            responder.onClientDisconnect { disconnected.store(true, ordering: .sequentiallyConsistent) }
            Thread.detachNewThread {
                let writer = SSEWriter(responder: responder)
                writer.start()
                // an engine would free the slot here instead of generating into the void
                while writer.send(data: "tick") { usleep(2_000) }
                XCTAssertTrue(writer.isClientDisconnected)
                stoppedWriting.store(true, ordering: .sequentiallyConsistent)
                writer.finish()
            }
        }
        try withServer(hooks: hooks, handler: handler) { server in
            let client = try TestHTTPClient(port: server.port, timeout: .seconds(3))
            try client.send("GET /stream HTTP/1.1\r\n\r\n")
            XCTAssertEqual(try client.readHead().status, 200)
            XCTAssertNotNil(try client.readChunk())
            client.shutdownWrite()
            XCTAssertTrue(eventually { disconnected.load(ordering: .sequentiallyConsistent) }, "callback fired")
            XCTAssertTrue(eventually { stoppedWriting.load(ordering: .sequentiallyConsistent) }, "writer noticed")
            XCTAssertTrue(eventually { log.count == 1 })
            XCTAssertEqual(log.all.first?.clientDisconnected, true)
            XCTAssertEqual(log.all.first?.status, 200)
            XCTAssertGreaterThan(log.all.first?.bodyBytes ?? 0, 0)
        }
    }

    func testResetBeforeTheResponseIsADisconnect() throws {
        let responders = Recorder<HTTPResponder>()
        try withServer(handler: { _, responder in responders.append(responder) }) { server in
            let client = try TestHTTPClient(port: server.port, timeout: .seconds(3))
            try client.send("GET / HTTP/1.1\r\n\r\n")
            XCTAssertTrue(eventually { responders.count == 1 })
            XCTAssertFalse(responders.all[0].isClientDisconnected)
            client.reset()
            XCTAssertTrue(eventually { responders.all[0].isClientDisconnected })
            // answering a gone client is harmless
            responders.all[0].respond(status: .ok)
        }
    }

    func testGracefulStopLetsAnInFlightStreamFinish() throws {
        let drained = Atomic<Bool>(false)
        var hooks = HTTPServer.Hooks()
        hooks.willDrain = { drained.store(true, ordering: .sequentiallyConsistent) }
        try withServer(hooks: hooks, handler: streamingHandler(count: 10, interval: 20_000)) { server in
            let client = try TestHTTPClient(port: server.port, timeout: .seconds(3))
            let idle = try TestHTTPClient(port: server.port, timeout: .seconds(3))
            try client.send("GET / HTTP/1.1\r\n\r\n")
            _ = try client.readHead()
            var body = try XCTUnwrap(try client.readChunk())
            server.stop()
            XCTAssertTrue(eventually { drained.load(ordering: .sequentiallyConsistent) })
            XCTAssertTrue(idle.isClosedByServer(), "idle connections close at once")
            XCTAssertThrowsError(try TestHTTPClient(port: server.port, timeout: .seconds(3)), "no new connections while draining")
            while let chunk = try client.readChunk() { body += chunk }
            XCTAssertEqual(String(decoding: body, as: UTF8.self), expectedEvents(10))
            XCTAssertTrue(client.isClosedByServer(), "closed after the stream")
            XCTAssertTrue(server.wait(timeout: .seconds(2)))
        }
    }

    func testDrainTimeoutCutsOffAStreamThatNeverEnds() throws {
        let responders = Recorder<HTTPResponder>()
        let handler: HTTPHandler = { _, responder in
            responder.startStream(headers: SSE.headers)
            responders.append(responder)
        }
        try withServer(configure: { $0.drainTimeout = .milliseconds(200) }, handler: handler) { server in
            let client = try TestHTTPClient(port: server.port, timeout: .seconds(3))
            try client.send("GET / HTTP/1.1\r\n\r\n")
            _ = try client.readHead()
            let clock = ContinuousClock()
            let start = clock.now
            server.stop()
            XCTAssertTrue(server.wait(timeout: .seconds(2)))
            XCTAssertGreaterThanOrEqual(clock.now - start, .milliseconds(150))
            XCTAssertTrue(responders.all[0].isClientDisconnected)
            XCTAssertThrowsError(try client.readChunk(), "the stream is cut off, not ended cleanly")
            XCTAssertFalse(responders.all[0].write("late"), "writes after the loop ended are dropped")
        }
    }

    func testClientThatStopsReadingIsDropped() throws {
        let stopped = Atomic<Bool>(false)
        let handler: HTTPHandler = { _, responder in
            Thread.detachNewThread {
                responder.startStream()
                let payload = [UInt8](repeating: UInt8(ascii: "x"), count: 16 * 1024)
                var sent = 0
                // paced like a generator (16 MB/s), bounded so a broken server cannot hang the test
                while responder.write(payload), sent < 2_000 {
                    sent += 1
                    usleep(1_000)
                }
                stopped.store(responder.isClientDisconnected, ordering: .sequentiallyConsistent)
            }
        }
        try withServer(configure: { $0.maxPendingWriteBytes = 256 * 1024 }, handler: handler) { server in
            let client = try TestHTTPClient(port: server.port, timeout: .seconds(3))
            try client.send("GET / HTTP/1.1\r\n\r\n")
            // never read: kernel buffers fill, then the server's queue, then it gives up on us
            XCTAssertTrue(eventually(timeout: .seconds(5)) { stopped.load(ordering: .sequentiallyConsistent) })
        }
    }
}
