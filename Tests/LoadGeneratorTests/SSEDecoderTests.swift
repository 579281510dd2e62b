import XCTest
@testable import LoadGenerator

final class SSEDecoderTests: XCTestCase {
    private func decode(_ text: String, pieceSize: Int) throws -> [String] {
        var decoder = SSEDecoder()
        var events: [String] = []
        let bytes = Array(text.utf8)
        for start in stride(from: 0, to: bytes.count, by: pieceSize) {
            events += try decoder.decode(Array(bytes[start ..< min(start + pieceSize, bytes.count)]))
                .map { String(decoding: $0, as: UTF8.self) }
        }
        return events
    }

    func testEventsAreTheSameForEveryWayOfSplittingTheStream() throws {
        let stream = ": keep-alive comment\r\n\r\ndata: {\"a\":1}\r\n\r\ndata:first\ndata: second\n\nevent: ping\nid: 7\ndata: x\r\rdata: [DONE]\n\n"
        for size in [1, 2, 5, 1000] {
            XCTAssertEqual(try decode(stream, pieceSize: size), ["{\"a\":1}", "first\nsecond", "x", "[DONE]"], "piece size \(size)")
        }
    }

    func testAnEventWithoutItsBlankLineIsNotDispatched() throws {
        XCTAssertEqual(try decode("data: pending\n", pieceSize: 3), [])
        XCTAssertEqual(try decode("data: a\n\ndata: b", pieceSize: 100), ["a"])
    }

    func testOnlyTheFirstSpaceAfterTheColonIsDropped() throws {
        XCTAssertEqual(try decode("data:  two spaces\n\ndata\n\n", pieceSize: 100), [" two spaces", ""])
    }

    func testAnEventThatNeverEndsIsRefused() {
        var decoder = SSEDecoder()
        let piece = Array("data: \(String(repeating: "x", count: 100_000))".utf8)
        XCTAssertThrowsError(try { for _ in 0 ..< 20 { _ = try decoder.decode(piece) } }()) {
            XCTAssertEqual($0 as? SSEError, .eventTooLarge(limit: SSEDecoder.maximumEventLength))
        }
    }
}
