import XCTest
@testable import HTTP

final class HTTPResponseParserTests: XCTestCase {
    private let chunkedStream = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "7\r\ndata: a\r\n" + "5;ext=1\r\n\n\ndat\r\n" + "3\r\na: \r\n" + "0\r\nX-Trailer: 1\r\n\r\n"

    /// Feeds the response in pieces of `size` bytes and joins what came out.
    private func parse(_ text: String, pieceSize size: Int) throws -> (head: HTTPResponseHead?, body: String, ended: Bool) {
        var parser = HTTPResponseParser()
        var head: HTTPResponseHead?
        var body: [UInt8] = []
        var ended = false
        let bytes = Array(text.utf8)
        for start in stride(from: 0, to: bytes.count, by: size) {
            let piece = Array(bytes[start ..< min(start + size, bytes.count)])
            for event in try piece.withUnsafeBytes({ try parser.parse($0) }) {
                switch event {
                case .head(let parsed): head = parsed
                case .body(let bytes): body += bytes
                case .end: ended = true
                }
            }
        }
        return (head, String(decoding: body, as: UTF8.self), ended)
    }

    func testChunkedBodyIsTheSameWhetherFedWholeOrByteByByte() throws {
        for size in [1, 2, 3, 7, 1000] {
            let result = try parse(chunkedStream, pieceSize: size)
            XCTAssertEqual(result.head?.status, 200, "piece size \(size)")
            XCTAssertEqual(result.head?.header("content-type"), "text/event-stream")
            XCTAssertEqual(result.body, "data: a\n\ndat" + "a: ", "piece size \(size)")
            XCTAssertTrue(result.ended, "piece size \(size)")
        }
    }

    func testContentLengthBodyEndsAtItsLengthAndIgnoresExtraBytes() throws {
        let result = try parse("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\nhello, extra", pieceSize: 4)
        XCTAssertEqual(result.head?.status, 500)
        XCTAssertEqual(result.body, "hello")
        XCTAssertTrue(result.ended)
    }

    func testEmptyContentLengthEndsWithTheHead() throws {
        let result = try parse("HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\n\r\n", pieceSize: 1)
        XCTAssertEqual(result.head?.status, 429)
        XCTAssertTrue(result.ended)
    }

    func testBodyWithoutFramingRunsUntilTheConnectionCloses() throws {
        var parser = HTTPResponseParser()
        let events = try Array("HTTP/1.1 200 OK\nContent-Type: text/event-stream\n\ndata: x\n\n".utf8)
            .withUnsafeBytes { try parser.parse($0) }
        XCTAssertEqual(events.count, 2, "a lenient LF-only head, then the body")
        XCTAssertFalse(parser.isComplete)
        XCTAssertEqual(try parser.parseEndOfStream(), .end)
        XCTAssertTrue(parser.isComplete)
    }

    func testClosingInsideAChunkedBodyIsATruncation() throws {
        var parser = HTTPResponseParser()
        _ = try Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab".utf8).withUnsafeBytes { try parser.parse($0) }
        XCTAssertThrowsError(try parser.parseEndOfStream()) { XCTAssertEqual($0 as? HTTPResponseError, .truncatedBody) }
    }

    func testMalformedResponsesThrowTypedErrors() {
        let cases: [(String, String)] = [
            ("HTTP/1.1 2000 OK\r\n\r\n", "status line"),
            ("SSH-2.0-OpenSSH\r\n\r\n", "status line"),
            ("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "header line"),
            ("HTTP/1.1 200 OK\r\nContent-Length: -4\r\n\r\n", "Content-Length"),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "chunk size"),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX", "CRLF"),
        ]
        for (response, expected) in cases {
            var parser = HTTPResponseParser()
            XCTAssertThrowsError(try Array(response.utf8).withUnsafeBytes { try parser.parse($0) }, response) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error) should mention \(expected)")
            }
        }
    }

    func testAnEndlessHeadIsRefused() {
        var parser = HTTPResponseParser()
        let line = Array("X-Filler: \(String(repeating: "a", count: 1000))\r\n".utf8)
        XCTAssertThrowsError(try {
            _ = try Array("HTTP/1.1 200 OK\r\n".utf8).withUnsafeBytes { try parser.parse($0) }
            for _ in 0 ..< 100 { _ = try line.withUnsafeBytes { try parser.parse($0) } }
        }()) { XCTAssertEqual($0 as? HTTPResponseError, .headTooLarge(limit: HTTPResponseParser.maximumHeadLength)) }
    }
}
