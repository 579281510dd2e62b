import XCTest

@testable import HTTP

final class HTTPRequestParserErrorTests: XCTestCase {
    /// Found by Fuzz/HTTPRequestParserFuzz: a header line already over the budget with a control byte after
    /// the budget answered 400 (the byte) when it arrived whole and 431 (the size) byte by byte. The size
    /// comes first in the stream, so it is the error however the bytes are cut.
    func testALineOverTheBudgetIsTooLargeWhateverFollowsAndHoweverItIsCut() {
        let limits = HTTPParserLimits(maxHeaderBytes: 64)
        let head = "GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: 60) + "\u{17}bc\r\n\r\n"
        for sizes in [[Int.max], [1], [20, 30, 5], Array(RandomSlices(seed: 7, maxSize: 9).prefix(100))] {
            XCTAssertEqual(parse(head, limits: limits, sliceSizes: sizes).error, .headersTooLarge, "slices \(sizes.prefix(5))")
        }
        // within the budget, the control byte is the error
        let short = "GET / HTTP/1.1\r\nX: a\u{17}\r\n\r\n"
        XCTAssertEqual(parse(short, limits: limits).error, .unexpectedByte(0x17))
        XCTAssertEqual(parse(short, limits: limits, sliceSizes: [1]).error, .unexpectedByte(0x17))
    }

    func testBodyOverTheLimitIs413BeforeItArrives() {
        let limits = HTTPParserLimits(maxBodyBytes: 10)
        XCTAssertNil(parse("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789", limits: limits).error)
        let result = parse("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", limits: limits)
        XCTAssertEqual(result.error, .bodyTooLarge)
        XCTAssertEqual(result.error?.status.code, 413)
    }

    func testChunkedBodyOverTheLimitIs413() {
        let limits = HTTPParserLimits(maxBodyBytes: 10)
        let head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        XCTAssertNil(parse(head + "5\r\n01234\r\n5\r\n56789\r\n0\r\n\r\n", limits: limits).error)
        XCTAssertEqual(parse(head + "5\r\n01234\r\n6\r\n", limits: limits).error, .bodyTooLarge)
    }

    func testHeaderSectionOverTheLimitIs431() {
        let limits = HTTPParserLimits(maxHeaderBytes: 64)
        let fits = "GET / HTTP/1.1\r\n" + "X: " + String(repeating: "a", count: 40) + "\r\n\r\n"
        XCTAssertEqual(fits.utf8.count, 63)
        XCTAssertNil(parse(fits, limits: limits).error)
        let tooLarge = "GET / HTTP/1.1\r\n" + "X: " + String(repeating: "a", count: 42) + "\r\n\r\n"
        XCTAssertEqual(parse(tooLarge, limits: limits).error, .headersTooLarge)
        XCTAssertEqual(parse(tooLarge, limits: limits).error?.status.code, 431)
        // an unterminated header line is cut off at the limit, not buffered forever
        let endless = "GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: 1000)
        XCTAssertEqual(parse(endless, limits: limits, sliceSizes: repeatElement(7, count: 200)).error, .headersTooLarge)
    }

    func testRequestLineOverTheLimitIs414() {
        let limits = HTTPParserLimits(maxHeaderBytes: 64)
        let result = parse("GET /" + String(repeating: "a", count: 100), limits: limits)
        XCTAssertEqual(result.error, .requestLineTooLong)
        XCTAssertEqual(result.error?.status.code, 414)
    }

    func testTooManyHeadersIs431() {
        let limits = HTTPParserLimits(maxHeaderCount: 3)
        let three = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"
        XCTAssertNil(parse(three, limits: limits).error)
        let four = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n"
        XCTAssertEqual(parse(four, limits: limits).error, .tooManyHeaders)
        XCTAssertEqual(parse(four, limits: limits).error?.status.code, 431)
    }

    func testUnsupportedVersionIs505() {
        for version in ["HTTP/2.0", "HTTP/0.9", "HTTP/1.2"] {
            let error = parse("GET / \(version)\r\n\r\n").error
            XCTAssertEqual(error, .unsupportedVersion, version)
            XCTAssertEqual(error?.status.code, 505)
        }
    }

    func testMalformedRequestLinesAre400() {
        let cases: [(String, HTTPParserError)] = [
            ("GET /\r\n\r\n", .invalidRequestLine),
            ("GET  / HTTP/1.1\r\n\r\n", .invalidRequestTarget),
            ("GET / HTTP/1.1 \r\n\r\n", .invalidRequestTarget),
            ("G(T / HTTP/1.1\r\n\r\n", .invalidMethod),
            (" / HTTP/1.1\r\n\r\n", .invalidMethod),
            ("GET relative HTTP/1.1\r\n\r\n", .invalidRequestTarget),
            ("GET /\u{E9} HTTP/1.1\r\n\r\n", .invalidRequestTarget),
            ("GET / HTTP/1.x\r\n\r\n", .invalidRequestLine),
            ("GET / FTP/1.1\r\n\r\n", .invalidRequestLine),
            ("GET / HTTP/1.1\rX\r\n\r\n", .invalidRequestLine),
        ]
        for (text, expected) in cases {
            let error = parse(text).error
            XCTAssertEqual(error, expected, text.debugDescription)
            XCTAssertEqual(error?.status.code, 400, text.debugDescription)
        }
    }

    func testMalformedHeadersAre400() {
        for line in ["NoColon", "Sp ace: x", "Name : x", " Folded: x", ": empty-name", "X: a\u{7F}b", "X: a\rb"] {
            let error = parse("GET / HTTP/1.1\r\n\(line)\r\n\r\n").error
            XCTAssertEqual(error?.status.code, 400, line.debugDescription)
        }
    }

    func testFramingConflictsAreRejected() {
        let cases: [(String, HTTPParserError)] = [
            ("Content-Length: 3\r\nTransfer-Encoding: chunked", .conflictingFraming),
            ("Content-Length: 3\r\nContent-Length: 4", .invalidContentLength),
            ("Content-Length: 3, 4", .invalidContentLength),
            ("Content-Length: -3", .invalidContentLength),
            ("Content-Length: 0x10", .invalidContentLength),
            ("Content-Length: ", .invalidContentLength),
            ("Content-Length: 99999999999999999999", .invalidContentLength),
            ("Transfer-Encoding: gzip, chunked", .unsupportedTransferEncoding),
            ("Transfer-Encoding: identity", .unsupportedTransferEncoding),
            ("Expect: something-else", .unsupportedExpectation),
        ]
        for (header, expected) in cases {
            XCTAssertEqual(parse("POST / HTTP/1.1\r\n\(header)\r\n\r\n").error, expected, header)
        }
        XCTAssertEqual(parse("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n").error, .conflictingFraming)
        XCTAssertEqual(parse("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n").error?.status.code, 501)
        XCTAssertEqual(parse("POST / HTTP/1.1\r\nExpect: x\r\n\r\n").error?.status.code, 417)
        // repeated identical lengths are allowed (RFC 9110 §8.6)
        XCTAssertNil(parse("POST / HTTP/1.1\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nab").error)
    }

    func testBinaryGarbageFailsOnTheFirstBadByte() {
        let tlsHello: [UInt8] = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03]
        XCTAssertEqual(parse(tlsHello).error, .unexpectedByte(0x16))
        XCTAssertEqual(parse(tlsHello).error?.status.code, 400)
    }

    func testRandomGarbageNeverCrashesAndNeverYieldsARequest() {
        var slices = RandomSlices(seed: 42, maxSize: 255)
        for round in 0..<500 {
            let length = slices.next()! * 4
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: slices.next()!) }
            let result = parse(bytes, limits: HTTPParserLimits(maxHeaderBytes: 512))
            XCTAssertTrue(requests(result.events).isEmpty, "round \(round)")
        }
    }

    func testErrorsAreSticky() {
        var parser = HTTPRequestParser()
        parser.append(Array("BAD\r\n".utf8))
        XCTAssertThrowsError(try parser.next())
        parser.append(Array("GET / HTTP/1.1\r\n\r\n".utf8))
        XCTAssertThrowsError(try parser.next()) { XCTAssertEqual($0 as? HTTPParserError, .invalidRequestLine) }
    }
}
