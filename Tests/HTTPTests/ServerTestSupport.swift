import TestHTTPClient
import XCTest

@testable import HTTP

/// Runs `body` against a started server, then stops it and checks that it shut down in time.
func withServer(
    configure: (inout HTTPServer.Configuration) -> Void = { _ in },
    hooks: HTTPServer.Hooks = HTTPServer.Hooks(),
    handler: @escaping HTTPHandler,
    file: StaticString = #filePath, line: UInt = #line,
    _ body: (HTTPServer) throws -> Void
) throws {
    var configuration = HTTPServer.Configuration()
    configuration.handlesSignals = false
    configuration.keepAliveTimeout = .seconds(2)
    configuration.requestReadTimeout = .seconds(2)
    configuration.lingerTimeout = .milliseconds(200)
    configuration.drainTimeout = .seconds(2)
    configure(&configuration)
    let server = HTTPServer(configuration: configuration, hooks: hooks, handler: handler)
    try server.start()
    XCTAssertGreaterThan(server.port, 0, file: file, line: line)
    defer {
        server.stop()
        XCTAssertTrue(server.wait(timeout: .seconds(5)), "server did not stop", file: file, line: line)
    }
    try body(server)
}

let echoHandler: HTTPHandler = { request, responder in
    var headers: HTTPHeaders = ["Content-Type": "text/plain", "X-Path": request.path]
    if let query = request.query { headers.add(name: "X-Query", value: query) }
    responder.respond(status: .ok, headers: headers, body: request.body)
}
