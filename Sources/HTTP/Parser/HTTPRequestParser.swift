/// An incremental HTTP/1.1 request parser: a pure state machine over a byte buffer.
///
/// Feed it any slices with `append`, then call `next()` until it returns nil (needs more bytes). Requests
/// come out one at a time and in order, so pipelined requests stay buffered until the connection asks
/// for the next one. Scanning resumes where it stopped, so byte-by-byte feeding stays linear.
/// After an error every later `next()` throws the same error.
struct HTTPRequestParser {
    enum Event: Equatable {
        case request(HTTPRequest)
        /// The head asked for `Expect: 100-continue` and no body byte has arrived yet.
        case expectContinue
    }

    enum Phase: Equatable {
        case requestLine
        case headers
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
    }

    let limits: HTTPParserLimits
    var buffer: [UInt8] = []
    /// First byte not yet consumed.
    var cursor = 0
    /// Where the search for the next line feed resumes (>= cursor).
    var scanFrom = 0
    var phase = Phase.requestLine
    var failure: HTTPParserError?
    var head = PartialHead()
    var body: [UInt8] = []

    init(limits: HTTPParserLimits = HTTPParserLimits()) {
        self.limits = limits
    }

    /// Bytes received but not yet consumed by a returned request.
    var bufferedByteCount: Int { buffer.count - cursor }

    /// Whether part of a request has been consumed or is waiting in the buffer.
    var hasPartialRequest: Bool { phase != .requestLine || head.headBytes > 0 || bufferedByteCount > 0 }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    mutating func append(_ bytes: some Collection<UInt8>) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    mutating func next() throws(HTTPParserError) -> Event? {
        if let failure { throw failure }
        do {
            return try step()
        } catch {
            failure = error
            throw error
        }
    }

    private mutating func step() throws(HTTPParserError) -> Event? {
        while true {
            switch phase {
            case .requestLine:
                guard let line = try nextLine(budget: limits.maxHeaderBytes - head.headBytes, overflow: .requestLineTooLong)
                else { return nil }
                // RFC 9112 §2.2: ignore empty lines before a request line (left over after a previous body)
                if line.isEmpty { continue }
                try parseRequestLine(line)
                phase = .headers
            case .headers:
                guard let line = try nextLine(budget: limits.maxHeaderBytes - head.headBytes, overflow: .headersTooLarge)
                else { return nil }
                if line.isEmpty {
                    if let event = try finishHead() { return event }
                } else {
                    try parseHeaderLine(line)
                }
            case .fixedBody(let remaining):
                let taken = takeBody(upTo: remaining)
                guard taken == remaining else {
                    phase = .fixedBody(remaining: remaining - taken)
                    return nil
                }
                return .request(completeRequest())
            case .chunkSize:
                guard let line = try nextLine(budget: HTTPParserLimits.maxChunkSizeLineBytes, overflow: .invalidChunk)
                else { return nil }
                try parseChunkSize(line)
            case .chunkData(let remaining):
                let taken = takeBody(upTo: remaining)
                phase = taken == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - taken)
                if taken < remaining { return nil }
            case .chunkDataEnd:
                guard let line = try nextLine(budget: 2, overflow: .invalidChunk) else { return nil }
                guard line.isEmpty else { throw .invalidChunk }
                phase = .chunkSize
            case .trailers:
                guard let line = try nextLine(budget: limits.maxHeaderBytes - head.trailerBytes, overflow: .headersTooLarge)
                else { return nil }
                if line.isEmpty { return .request(completeRequest()) }
                try validateTrailerLine(line)
            }
        }
    }

    /// The next line without its line ending (CRLF, or a bare LF, RFC 9112 §2.2), consuming it; nil if no
    /// line feed has arrived yet. `budget` bounds the line including its ending.
    private mutating func nextLine(budget: Int, overflow: HTTPParserError) throws(HTTPParserError) -> Range<Int>? {
        let inHead = phase == .requestLine || phase == .headers || phase == .trailers
        // bytes past the budget can only mean overflow: not scanning them keeps the error the same however
        // the stream was cut (found by Fuzz/HTTPRequestParserFuzz: a control byte past the budget was
        // reported when the line arrived whole, the overflow when it arrived byte by byte)
        let limit = min(buffer.count, cursor + max(budget, 0))
        var index = scanFrom
        while index < limit {
            let byte = buffer[index]
            if byte == ASCII.lf { break }
            // a control byte means binary garbage (a TLS hello, a stray protocol): fail now, not at the limit
            if inHead && ASCII.isForbiddenInHead(byte) { throw .unexpectedByte(byte) }
            index += 1
        }
        let lineLength = index - cursor + 1
        guard lineLength <= budget else { throw overflow }
        guard index < buffer.count else {
            scanFrom = index
            return nil
        }
        var end = index
        if end > cursor && buffer[end - 1] == ASCII.cr { end -= 1 }
        let line = cursor..<end
        cursor = index + 1
        scanFrom = cursor
        switch phase {
        case .requestLine, .headers: head.headBytes += lineLength
        case .trailers: head.trailerBytes += lineLength
        default: break
        }
        return line
    }

    /// Copies up to `count` buffered bytes into the body; returns how many it took.
    private mutating func takeBody(upTo count: Int) -> Int {
        let taken = min(count, bufferedByteCount)
        body.append(contentsOf: buffer[cursor..<cursor + taken])
        cursor += taken
        scanFrom = cursor
        return taken
    }

    private mutating func completeRequest() -> HTTPRequest {
        var request = HTTPRequest(method: head.method, target: head.target, version: head.version, headers: head.headers)
        swap(&request.body, &body)
        head = PartialHead()
        phase = .requestLine
        return request
    }

    /// Drops consumed bytes once they are at least half the buffer, so the buffer stays bounded and the
    /// copying amortises to O(1) per byte.
    private mutating func compact() {
        if cursor == buffer.count {
            buffer.removeAll(keepingCapacity: true)
        } else if cursor > 0 && cursor >= buffer.count / 2 {
            buffer.removeSubrange(0..<cursor)
        } else {
            return
        }
        scanFrom -= cursor
        cursor = 0
    }
}

/// The request head while it is being parsed.
struct PartialHead {
    var method = HTTPMethod.get
    var target = ""
    var version = HTTPVersion.http1_1
    var headers = HTTPHeaders()
    var headBytes = 0
    var trailerBytes = 0
    var isChunked = false
}
