import XCTest

@testable import HTTP

final class ResponseEncodingTests: XCTestCase {
    private func text(_ buffer: OutboundBuffer) -> String {
        String(decoding: buffer.bytes, as: UTF8.self)
    }

    func testHeadCarriesFramingAndDropsTheApplicationsVersion() {
        let buffer = OutboundBuffer(capacity: 8)
        buffer.appendResponseHead(status: .ok,
            headers: ["Content-Type": "text/plain", "content-length": "999", "Connection": "whatever"],
            framing: .contentLength(5), keepAlive: true, requestVersion: .http1_1, date: "D")
        XCTAssertEqual(text(buffer), "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: D\r\nContent-Length: 5\r\n\r\n")
    }

    func testConnectionHeaderFollowsKeepAliveAndVersion() {
        let close = OutboundBuffer()
        close.appendResponseHead(status: .notFound, headers: [:], framing: .chunked, keepAlive: false,
            requestVersion: .http1_1, date: "D")
        XCTAssertEqual(text(close), "HTTP/1.1 404 Not Found\r\nDate: D\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
        let keep10 = OutboundBuffer()
        keep10.appendResponseHead(status: .noContent, headers: [:], framing: .noBody, keepAlive: true,
            requestVersion: .http1_0, date: "D")
        XCTAssertEqual(text(keep10), "HTTP/1.1 204 No Content\r\nDate: D\r\nConnection: keep-alive\r\n\r\n")
    }

    func testHeaderInjectionIsDefused() {
        let buffer = OutboundBuffer()
        buffer.appendResponseHead(status: .ok, headers: ["X-Model": "a\r\nSet-Cookie: evil"], framing: .noBody,
            keepAlive: true, requestVersion: .http1_1, date: "D")
        XCTAssertTrue(text(buffer).contains("X-Model: a  Set-Cookie: evil\r\n"))
    }

    func testChunkFramingAndNumbers() {
        let buffer = OutboundBuffer(capacity: 1)
        buffer.appendChunk(Array(repeating: UInt8(ascii: "z"), count: 26))
        buffer.append(OutboundBuffer.lastChunk)
        XCTAssertEqual(text(buffer), "1a\r\n" + String(repeating: "z", count: 26) + "\r\n0\r\n\r\n")
        let numbers = OutboundBuffer()
        for value in [0, 9, 10, 255, Int.max] { numbers.append(value, radix: 16); numbers.append(" ") }
        numbers.append(1_234_567_890, radix: 10)
        XCTAssertEqual(text(numbers), "0 9 a ff 7fffffffffffffff 1234567890")
    }

    func testHTTPDateFormat() {
        XCTAssertEqual(HTTPDateCache.format(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT")
    }

    func testSSEEventFraming() {
        XCTAssertEqual(String(decoding: SSE.event(data: "hello"), as: UTF8.self), "data: hello\n\n")
        XCTAssertEqual(String(decoding: SSE.event(data: "a\nb\r\nc", event: "tok\nen", id: "7"), as: UTF8.self),
            "event: token\nid: 7\ndata: a\ndata: b\ndata: c\n\n")
        XCTAssertEqual(String(decoding: SSE.event(data: ""), as: UTF8.self), "data: \n\n")
        XCTAssertEqual(String(decoding: SSE.comment("ping"), as: UTF8.self), ": ping\n\n")
    }
}
