import TestHTTPClient
import Glibc
import Synchronization
import XCTest

@testable import HTTP

/// Real signals sent to this test process; the server's libuv watchers must catch them.
final class HTTPServerSignalTests: XCTestCase {
    private func startServer(hooks: HTTPServer.Hooks) throws -> HTTPServer {
        var configuration = HTTPServer.Configuration()
        configuration.handlesSignals = true
        configuration.drainTimeout = .seconds(2)
        let server = HTTPServer(configuration: configuration, hooks: hooks, handler: echoHandler)
        try server.start()
        return server
    }

    func testSIGHUPCallsTheReloadHook() throws {
        let reloads = Atomic<Int>(0)
        var hooks = HTTPServer.Hooks()
        hooks.reload = { reloads.add(1, ordering: .relaxed) }
        let server = try startServer(hooks: hooks)
        kill(getpid(), SIGHUP)
        XCTAssertTrue(eventually { reloads.load(ordering: .relaxed) == 1 })
        let client = try TestHTTPClient(port: server.port, timeout: .seconds(3))
        try client.send("GET / HTTP/1.1\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 200, "still serving after a reload signal")
        server.stop()
        XCTAssertTrue(server.wait(timeout: .seconds(3)))
    }

    func testSIGTERMDrainsAndStops() throws {
        let drains = Atomic<Int>(0)
        var hooks = HTTPServer.Hooks()
        hooks.willDrain = { drains.add(1, ordering: .relaxed) }
        let server = try startServer(hooks: hooks)
        kill(getpid(), SIGTERM)
        XCTAssertTrue(server.wait(timeout: .seconds(3)))
        XCTAssertEqual(drains.load(ordering: .relaxed), 1)
        XCTAssertThrowsError(try TestHTTPClient(port: server.port, timeout: .seconds(3)))
    }
}
