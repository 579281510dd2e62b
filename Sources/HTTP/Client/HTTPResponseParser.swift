/// The client side of HTTP/1.1, for the admin client, the load generator and the tests' client: reads one
/// response fed in arbitrary slices: the head, then the body framed by `Transfer-Encoding: chunked`,
/// `Content-Length`, or the end of the connection. A pure state machine, so it is tested byte by byte without
/// sockets.
public struct HTTPResponseParser {
    public enum Event: Equatable {
        case head(HTTPResponseHead)
        case body([UInt8])
        case end
    }

    private enum Framing {
        case chunked(ChunkedBodyDecoder)
        case length(remaining: Int)
        case untilClose
    }

    private enum State {
        case head
        case body(Framing)
        case done
    }

    public static let maximumHeadLength = 64 * 1024

    private var state = State.head
    private var headBytes: [UInt8] = []

    public init() {}

    public var isComplete: Bool {
        if case .done = state { return true }
        return false
    }

    /// Bytes of the last `parse` call that belong to this response: fewer than given once it is complete, and
    /// the rest is the next response on a kept-alive connection.
    public private(set) var bytesUsed = 0

    /// Consumes the bytes given up to the end of the response (see `bytesUsed`) and returns what they
    /// completed, in order.
    public mutating func parse(_ bytes: UnsafeRawBufferPointer) throws(HTTPResponseError) -> [Event] {
        var events: [Event] = []
        var index = 0
        defer { bytesUsed = index }
        while index < bytes.count {
            switch state {
            case .done:
                return events
            case .head:
                index += try consumeHead(UnsafeRawBufferPointer(rebasing: bytes[index...]), events: &events)
            case .body(let framing):
                index += try consumeBody(framing, UnsafeRawBufferPointer(rebasing: bytes[index...]), events: &events)
            }
        }
        // A body of Content-Length 0 ends with its head, before any body byte arrives.
        if case .body(.length(remaining: 0)) = state {
            state = .done
            events.append(.end)
        }
        return events
    }

    /// The peer closed the connection: completes a body that runs until close, otherwise it was truncated.
    public mutating func parseEndOfStream() throws(HTTPResponseError) -> Event {
        switch state {
        case .body(.untilClose):
            state = .done
            return .end
        case .done:
            return .end
        case .head, .body:
            throw .truncatedBody
        }
    }

    private mutating func consumeHead(_ bytes: UnsafeRawBufferPointer, events: inout [Event]) throws(HTTPResponseError) -> Int {
        let searchStart = max(0, headBytes.count - 3)
        headBytes.append(contentsOf: bytes)
        guard let end = Self.endOfHead(headBytes, from: searchStart) else {
            guard headBytes.count <= Self.maximumHeadLength else { throw .headTooLarge(limit: Self.maximumHeadLength) }
            return bytes.count
        }
        let used = bytes.count - (headBytes.count - end)
        let head = try Self.parseHead(headBytes[..<end])
        headBytes = []
        events.append(.head(head))
        state = .body(try Self.framing(of: head))
        return used
    }

    private mutating func consumeBody(_ framing: Framing, _ bytes: UnsafeRawBufferPointer,
                                      events: inout [Event]) throws(HTTPResponseError) -> Int {
        switch framing {
        case .untilClose:
            events.append(.body(Array(bytes)))
            return bytes.count
        case .length(let remaining):
            let take = min(remaining, bytes.count)
            if take > 0 { events.append(.body(Array(bytes[..<take]))) }
            state = remaining == take ? .done : .body(.length(remaining: remaining - take))
            if remaining == take { events.append(.end) }
            return take
        case .chunked(var decoder):
            var body: [UInt8] = []
            let used = try decoder.decode(bytes, into: &body)
            if !body.isEmpty { events.append(.body(body)) }
            if decoder.isComplete {
                state = .done
                events.append(.end)
            } else {
                state = .body(.chunked(decoder))
            }
            return used
        }
    }

    /// The index just past the blank line (CRLF CRLF, or LF LF from lenient servers) that ends the head.
    private static func endOfHead(_ bytes: [UInt8], from start: Int) -> Int? {
        let newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")
        var index = start
        while index + 1 < bytes.count {
            if bytes[index] == newline {
                if bytes[index + 1] == newline { return index + 2 }
                if bytes[index + 1] == carriageReturn, index + 2 < bytes.count, bytes[index + 2] == newline {
                    return index + 3
                }
            }
            index += 1
        }
        return nil
    }

    private static func parseHead(_ bytes: ArraySlice<UInt8>) throws(HTTPResponseError) -> HTTPResponseHead {
        // Split on LF bytes: as Characters, CR LF is one grapheme and would never match "\n".
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
            String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line, as: UTF8.self)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let statusLine = lines.first else { throw .malformedHead("empty") }
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3, let status = Int(parts[1]),
              (100 ... 599).contains(status) else {
            throw .malformedHead("status line '\(statusLine.prefix(80))'")
        }
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                throw .malformedHead("header line '\(line.prefix(80))'")
            }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
                .reversed().drop { $0 == " " || $0 == "\t" }.reversed()
            headers.append((name, String(value)))
        }
        return HTTPResponseHead(status: status, headers: headers)
    }

    private static func framing(of head: HTTPResponseHead) throws(HTTPResponseError) -> Framing {
        if head.status == 204 || head.status == 304 || (100 ..< 200).contains(head.status) {
            return .length(remaining: 0)
        }
        if let encoding = head.header("transfer-encoding"), encoding.lowercased().contains("chunked") {
            return .chunked(ChunkedBodyDecoder())
        }
        if let length = head.header("content-length") {
            guard let count = Int(length), count >= 0 else { throw .malformedHead("Content-Length '\(length)'") }
            return .length(remaining: count)
        }
        return .untilClose
    }
}
