import XCTest

@testable import HTTP

final class ConnectionStateMachineTests: XCTestCase {
    typealias Machine = ConnectionStateMachine

    private func feed(_ machine: inout Machine, _ text: String) -> Machine.Action {
        Array(text.utf8).withUnsafeBytes { machine.bytesReceived($0) }
    }

    private func deliveredPath(_ action: Machine.Action) -> String? {
        if case .deliver(let request) = action { return request.path }
        return nil
    }

    func testRequestFedByteByByteIsDeliveredOnItsLastByte() {
        var machine = Machine(limits: HTTPParserLimits())
        XCTAssertEqual(machine.timeout, .keepAlive)
        let text = "GET /x HTTP/1.1\r\nHost: a\r\n\r\n"
        var actions: [Machine.Action] = []
        for byte in text.utf8 {
            actions.append([byte].withUnsafeBytes { machine.bytesReceived($0) })
            if actions.count == 1 { XCTAssertEqual(machine.timeout, .requestRead, "the read timer starts at the first byte") }
        }
        XCTAssertEqual(actions.dropLast(), Array(repeating: .none, count: text.utf8.count - 1))
        XCTAssertEqual(deliveredPath(actions.last!), "/x")
        XCTAssertEqual(machine.state, .responding)
        XCTAssertNil(machine.timeout, "no timer while the application works")
    }

    func testKeepAliveReturnsToIdle() {
        var machine = Machine(limits: HTTPParserLimits())
        XCTAssertEqual(deliveredPath(feed(&machine, "GET /1 HTTP/1.1\r\n\r\n")), "/1")
        XCTAssertTrue(machine.responseStarted(applicationWantsClose: false, isCloseDelimited: false))
        XCTAssertEqual(machine.responseFinished(), .none)
        XCTAssertEqual(machine.state, .idle)
        XCTAssertEqual(machine.timeout, .keepAlive)
        XCTAssertEqual(deliveredPath(feed(&machine, "GET /2 HTTP/1.1\r\n\r\n")), "/2")
    }

    func testPipelinedRequestsWaitForThePreviousResponse() {
        var machine = Machine(limits: HTTPParserLimits())
        let action = feed(&machine, "GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /3 HTTP/1.1\r\n\r\n")
        XCTAssertEqual(deliveredPath(action), "/1")
        XCTAssertEqual(feed(&machine, "GET /4 HTTP/1.1\r\n\r\n"), .none, "buffered while responding")
        var order: [String] = []
        for _ in 0..<3 {
            _ = machine.responseStarted(applicationWantsClose: false, isCloseDelimited: false)
            if let path = deliveredPath(machine.responseFinished()) { order.append(path) }
        }
        XCTAssertEqual(order, ["/2", "/3", "/4"])
    }

    func testConnectionCloseFlushesThenLingersUntilEOF() {
        var machine = Machine(limits: HTTPParserLimits())
        _ = feed(&machine, "GET / HTTP/1.1\r\nConnection: close\r\n\r\nGET /ignored HTTP/1.1\r\n\r\n")
        XCTAssertFalse(machine.responseStarted(applicationWantsClose: false, isCloseDelimited: false))
        XCTAssertEqual(machine.responseFinished(), .closeAfterFlush)
        XCTAssertEqual(machine.state, .closing)
        XCTAssertEqual(machine.outputShutDown(), .none)
        XCTAssertEqual(machine.state, .lingering)
        XCTAssertEqual(machine.timeout, .linger)
        XCTAssertEqual(feed(&machine, "more junk"), .none, "input after the close is discarded")
        XCTAssertEqual(machine.endOfInput(), .close)
    }

    func testEOFWhileFlushingSkipsLingering() {
        var machine = Machine(limits: HTTPParserLimits())
        _ = feed(&machine, "GET / HTTP/1.0\r\n\r\n")
        XCTAssertFalse(machine.responseStarted(applicationWantsClose: false, isCloseDelimited: false))
        XCTAssertEqual(machine.responseFinished(), .closeAfterFlush)
        XCTAssertEqual(machine.endOfInput(), .none)
        XCTAssertFalse(machine.wantsToRead)
        XCTAssertEqual(machine.outputShutDown(), .close)
    }

    func testKeepAliveDecisions() {
        func keepsAlive(_ head: String, appClose: Bool = false, closeDelimited: Bool = false) -> Bool {
            var machine = Machine(limits: HTTPParserLimits())
            _ = feed(&machine, head + "\r\n")
            return machine.responseStarted(applicationWantsClose: appClose, isCloseDelimited: closeDelimited)
        }
        XCTAssertTrue(keepsAlive("GET / HTTP/1.1\r\n"))
        XCTAssertFalse(keepsAlive("GET / HTTP/1.1\r\n", appClose: true))
        XCTAssertFalse(keepsAlive("GET / HTTP/1.1\r\n", closeDelimited: true))
        XCTAssertFalse(keepsAlive("GET / HTTP/1.0\r\n"))
        XCTAssertTrue(keepsAlive("GET / HTTP/1.0\r\nConnection: keep-alive\r\n"))
    }

    func testGarbageIsRejectedWith400AndClosed() {
        var machine = Machine(limits: HTTPParserLimits())
        guard case .rejectAndClose(let status, _) = feed(&machine, "\u{16}\u{03}\u{01}hello") else {
            return XCTFail("garbage must be rejected")
        }
        XCTAssertEqual(status, .badRequest)
        XCTAssertEqual(machine.state, .closing)
        XCTAssertEqual(feed(&machine, "GET / HTTP/1.1\r\n\r\n"), .none, "nothing is parsed after a rejection")
    }

    func testLimitsMapToTheirStatus() {
        let limits = HTTPParserLimits(maxHeaderBytes: 128, maxHeaderCount: 2, maxBodyBytes: 4)
        let cases: [(String, HTTPStatus)] = [
            ("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n", .contentTooLarge),
            ("GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: 200), .requestHeaderFieldsTooLarge),
            ("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", .requestHeaderFieldsTooLarge),
            ("GET / HTTP/3.0\r\n\r\n", .httpVersionNotSupported),
        ]
        for (text, expected) in cases {
            var machine = Machine(limits: limits)
            guard case .rejectAndClose(let status, _) = feed(&machine, text) else {
                XCTFail("not rejected: \(text.debugDescription)")
                continue
            }
            XCTAssertEqual(status, expected, text.debugDescription)
        }
    }

    func testTimeouts() {
        var idle = Machine(limits: HTTPParserLimits())
        XCTAssertEqual(idle.timeoutFired(), .close)
        var slow = Machine(limits: HTTPParserLimits())
        _ = feed(&slow, "GET / HTTP/1.1\r\nHost:")
        XCTAssertEqual(slow.timeout, .requestRead)
        guard case .rejectAndClose(.requestTimeout, _) = slow.timeoutFired() else { return XCTFail("expected 408") }
        var busy = Machine(limits: HTTPParserLimits())
        _ = feed(&busy, "GET / HTTP/1.1\r\n\r\n")
        XCTAssertEqual(busy.timeoutFired(), .none, "a slow handler is not a slow client")
    }

    func testEOFWhileRespondingIsAClientDisconnect() {
        var machine = Machine(limits: HTTPParserLimits())
        _ = feed(&machine, "GET / HTTP/1.1\r\n\r\n")
        XCTAssertEqual(machine.endOfInput(), .abortResponse)
        XCTAssertEqual(machine.state, .closed)
        XCTAssertEqual(machine.responseFinished(), .none)
        var idle = Machine(limits: HTTPParserLimits())
        XCTAssertEqual(idle.endOfInput(), .close)
    }

    func testDrainingClosesIdleConnectionsAndEndsKeepAlive() {
        var idle = Machine(limits: HTTPParserLimits())
        XCTAssertEqual(idle.beginDraining(), .close)
        var busy = Machine(limits: HTTPParserLimits())
        _ = feed(&busy, "GET / HTTP/1.1\r\n\r\nGET /next HTTP/1.1\r\n\r\n")
        XCTAssertEqual(busy.beginDraining(), .none, "the in-flight response may finish")
        XCTAssertFalse(busy.responseStarted(applicationWantsClose: false, isCloseDelimited: false))
        XCTAssertEqual(busy.responseFinished(), .closeAfterFlush)
    }

    func testExpectContinueThenBody() {
        var machine = Machine(limits: HTTPParserLimits())
        XCTAssertEqual(feed(&machine, "POST / HTTP/1.1\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n"), .sendContinue)
        XCTAssertEqual(machine.state, .readingRequest)
        XCTAssertEqual(deliveredPath(feed(&machine, "ok")), "/")
    }

    func testReadingPausesWhenPipelinedInputPilesUp() {
        var machine = Machine(limits: HTTPParserLimits(maxHeaderBytes: 1024))
        _ = feed(&machine, "GET / HTTP/1.1\r\n\r\n")
        XCTAssertTrue(machine.wantsToRead)
        _ = feed(&machine, String(repeating: "x", count: 70 * 1024))
        XCTAssertFalse(machine.wantsToRead)
    }
}
