import XCTest

@testable import HTTP

final class HTTPRequestParserTests: XCTestCase {
    let post = "POST /v1/completions?stream=true&x=1 HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        + "Content-Length: 14\r\n\r\n{\"prompt\":\"a\"}"

    func testParsesRequestLineHeadersAndBody() throws {
        let result = parse(post)
        XCTAssertNil(result.error)
        let request = try XCTUnwrap(requests(result.events).first)
        XCTAssertEqual(request.method, .post)
        XCTAssertEqual(request.target, "/v1/completions?stream=true&x=1")
        XCTAssertEqual(request.path, "/v1/completions")
        XCTAssertEqual(request.query, "stream=true&x=1")
        XCTAssertEqual(request.version, .http1_1)
        XCTAssertEqual(request.headers.count, 3)
        XCTAssertEqual(request.bodyString, "{\"prompt\":\"a\"}")
        XCTAssertEqual(request.body.count, 14)
    }

    func testHeaderLookupIgnoresCase() throws {
        let request = try XCTUnwrap(requests(parse(post).events).first)
        XCTAssertEqual(request.headers["content-type"], "application/json")
        XCTAssertEqual(request.headers["CONTENT-TYPE"], "application/json")
        XCTAssertEqual(request.headers["Content-Length"], "14")
        XCTAssertNil(request.headers["Content-Typ"])
    }

    func testByteByByteFeedingGivesTheSameRequest() {
        let whole = requests(parse(post).events)
        let byteByByte = parse(post, sliceSizes: repeatElement(1, count: post.utf8.count))
        XCTAssertNil(byteByByte.error)
        XCTAssertEqual(requests(byteByByte.events), whole)
        XCTAssertEqual(whole.count, 1)
    }

    func testRandomSplitsGiveTheSameRequests() {
        let stream = post + "GET /a HTTP/1.1\r\nHost: x\r\n\r\n" + chunkedRequest + post
        let expected = requests(parse(stream).events)
        XCTAssertEqual(expected.count, 4)
        for seed in 0..<200 as Range<UInt64> {
            let result = parse(stream, sliceSizes: RandomSlices(seed: seed, maxSize: 1 + Int(seed % 40)))
            XCTAssertNil(result.error, "seed \(seed)")
            XCTAssertEqual(requests(result.events), expected, "seed \(seed)")
        }
    }

    func testPipelinedRequestsComeOutInOrder() {
        let stream = (0..<5).map { "GET /r\($0) HTTP/1.1\r\nHost: x\r\n\r\n" }.joined()
        let result = parse(stream)
        XCTAssertNil(result.error)
        XCTAssertEqual(requests(result.events).map(\.path), ["/r0", "/r1", "/r2", "/r3", "/r4"])
    }

    func testParserHoldsPipelinedRequestsUntilAsked() throws {
        var parser = HTTPRequestParser()
        parser.append(Array("GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /3".utf8))
        XCTAssertEqual(requests([try XCTUnwrap(parser.next())]).first?.path, "/1")
        XCTAssertTrue(parser.hasPartialRequest)
        XCTAssertEqual(requests([try XCTUnwrap(parser.next())]).first?.path, "/2")
        XCTAssertNil(try parser.next())
        parser.append(Array(" HTTP/1.1\r\n\r\n".utf8))
        XCTAssertEqual(requests([try XCTUnwrap(parser.next())]).first?.path, "/3")
        XCTAssertFalse(parser.hasPartialRequest)
    }

    let chunkedRequest = "POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "5\r\nhello\r\n1;ext=1\r\n,\r\n0006\r\n world\r\n0\r\nTrailer-Field: t\r\n\r\n"

    func testChunkedBodyIsDecoded() throws {
        for sizes in [[Int.max], Array(repeating: 1, count: chunkedRequest.utf8.count)] {
            let result = parse(chunkedRequest, sliceSizes: sizes)
            XCTAssertNil(result.error)
            let request = try XCTUnwrap(requests(result.events).first)
            XCTAssertEqual(request.bodyString, "hello, world")
            XCTAssertNil(request.headers["Trailer-Field"], "trailers are dropped")
        }
    }

    func testMalformedChunksAreRejected() {
        let head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        for body in ["zz\r\n", "5\r\nhelloXX\r\n", "-1\r\n", "\r\n", "5 junk\r\nhello\r\n", "ffffffffffffffff\r\n"] {
            XCTAssertEqual(parse(head + body).error, .invalidChunk, body.debugDescription)
        }
    }

    func testAbsoluteFormAndAsteriskTargets() throws {
        let result = parse("GET http://example.com:8080/p/q?z=1 HTTP/1.1\r\n\r\nOPTIONS * HTTP/1.1\r\n\r\n")
        let parsed = requests(result.events)
        XCTAssertEqual(parsed.map(\.path), ["/p/q", "*"])
        XCTAssertEqual(parsed.first?.query, "z=1")
    }

    func testLeadingEmptyLinesAndBareLineFeedsAreAccepted() throws {
        let result = parse("\r\n\nGET / HTTP/1.1\nHost: x\n\n")
        XCTAssertNil(result.error)
        XCTAssertEqual(requests(result.events).first?.headers["host"], "x")
    }

    func testHeaderValueWhitespaceIsTrimmed() throws {
        let request = try XCTUnwrap(requests(parse("GET / HTTP/1.1\r\nX-A: \t padded \t\r\nX-Empty:\r\n\r\n").events).first)
        XCTAssertEqual(request.headers["x-a"], "padded")
        XCTAssertEqual(request.headers["x-empty"], "")
    }

    func testExpectContinueIsAnnouncedBeforeTheBody() {
        let head = "POST / HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"
        var parser = HTTPRequestParser()
        parser.append(Array(head.utf8))
        XCTAssertEqual(try parser.next(), .expectContinue)
        XCTAssertNil(try parser.next())
        parser.append(Array("abc".utf8))
        XCTAssertEqual(requests([try! XCTUnwrap(parser.next())]).first?.bodyString, "abc")
        // when the body already came along there is nothing to announce
        XCTAssertEqual(parse(head + "abc").events.count, 1)
        XCTAssertEqual(parse("POST / HTTP/1.1\r\nContent-Length: 0\r\nExpect: 100-continue\r\n\r\n").events.count, 1)
    }

    func testKeepAliveRules() throws {
        func keepAlive(_ text: String) throws -> Bool {
            try XCTUnwrap(requests(parse(text).events).first).wantsKeepAlive
        }
        XCTAssertTrue(try keepAlive("GET / HTTP/1.1\r\n\r\n"))
        XCTAssertFalse(try keepAlive("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"))
        XCTAssertFalse(try keepAlive("GET / HTTP/1.1\r\nConnection: Upgrade, CLOSE\r\n\r\n"))
        XCTAssertFalse(try keepAlive("GET / HTTP/1.0\r\n\r\n"))
        XCTAssertTrue(try keepAlive("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"))
    }
}
