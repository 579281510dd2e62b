extension HTTPRequestParser {
    /// `method SP request-target SP HTTP-version` (RFC 9112 §3), single spaces only.
    mutating func parseRequestLine(_ line: Range<Int>) throws(HTTPParserError) {
        let bytes = buffer[line]
        guard let firstSpace = bytes.firstIndex(of: ASCII.space),
            let lastSpace = bytes.lastIndex(of: ASCII.space), firstSpace < lastSpace
        else { throw .invalidRequestLine }
        let method = bytes[bytes.startIndex..<firstSpace]
        let target = bytes[(firstSpace + 1)..<lastSpace]
        let version = bytes[(lastSpace + 1)...]
        guard !method.isEmpty, method.allSatisfy(ASCII.isTokenChar) else { throw .invalidMethod }
        guard !target.isEmpty, target.allSatisfy(ASCII.isVisible) else { throw .invalidRequestTarget }
        guard target.first == UInt8(ascii: "/") || target.elementsEqual("*".utf8) || target.contains(ASCII.colon)
        else { throw .invalidRequestTarget }
        head.version = try parseVersion(version)
        head.method = HTTPMethod(rawValue: String(decoding: method, as: UTF8.self))
        head.target = String(decoding: target, as: UTF8.self)
    }

    private func parseVersion(_ bytes: ArraySlice<UInt8>) throws(HTTPParserError) -> HTTPVersion {
        guard bytes.count == 8, bytes.starts(with: "HTTP/".utf8) else { throw .invalidRequestLine }
        let base = bytes.startIndex
        guard let major = ASCII.decimalValue(bytes[base + 5]), bytes[base + 6] == UInt8(ascii: "."),
            let minor = ASCII.decimalValue(bytes[base + 7])
        else { throw .invalidRequestLine }
        let version = HTTPVersion(major: major, minor: minor)
        guard version == .http1_1 || version == .http1_0 else { throw .unsupportedVersion }
        return version
    }

    /// `field-name ":" OWS field-value OWS` (RFC 9112 §5). Whitespace before the colon and obsolete line
    /// folding are rejected, as the RFC requires of servers.
    mutating func parseHeaderLine(_ line: Range<Int>) throws(HTTPParserError) {
        let (name, value) = try splitField(line)
        guard head.headers.count < limits.maxHeaderCount else { throw .tooManyHeaders }
        head.headers.add(name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self))
    }

    /// Trailer fields are checked for syntax and dropped: nothing downstream needs them.
    mutating func validateTrailerLine(_ line: Range<Int>) throws(HTTPParserError) {
        _ = try splitField(line)
    }

    private func splitField(_ line: Range<Int>) throws(HTTPParserError) -> (ArraySlice<UInt8>, ArraySlice<UInt8>) {
        let bytes = buffer[line]
        guard let colon = bytes.firstIndex(of: ASCII.colon) else { throw .invalidHeader }
        let name = bytes[bytes.startIndex..<colon]
        guard !name.isEmpty, name.allSatisfy(ASCII.isTokenChar) else { throw .invalidHeader }
        var value = bytes[(colon + 1)...]
        while let first = value.first, first == ASCII.space || first == ASCII.tab { value = value.dropFirst() }
        while let last = value.last, last == ASCII.space || last == ASCII.tab { value = value.dropLast() }
        guard value.allSatisfy(ASCII.isFieldValueChar) else { throw .invalidHeader }
        return (name, value)
    }

    /// Decides the body framing once the empty line ends the head (RFC 9112 §6.3).
    mutating func finishHead() throws(HTTPParserError) -> Event? {
        let headers = head.headers
        let transferEncodings = headers.values(named: "Transfer-Encoding")
        let contentLengths = headers.values(named: "Content-Length")
        var bodyLength = 0
        if !transferEncodings.isEmpty {
            // both framings at once is the classic request-smuggling vector: refuse rather than pick one
            guard contentLengths.isEmpty, head.version == .http1_1 else { throw .conflictingFraming }
            let codings = transferEncodings.flatMap { $0.split(separator: ",") }.map { $0.trimmingOWS() }
            guard codings.count == 1, HTTPHeaders.namesMatch(codings[0], "chunked") else {
                throw .unsupportedTransferEncoding
            }
            head.isChunked = true
        } else if !contentLengths.isEmpty {
            bodyLength = try parseContentLength(contentLengths)
            guard bodyLength <= limits.maxBodyBytes else { throw .bodyTooLarge }
        }
        let expectsBody = head.isChunked || bodyLength > 0
        var sendContinue = false
        if let expectation = headers["Expect"] {
            guard HTTPHeaders.namesMatch(expectation.trimmingOWS(), "100-continue") else { throw .unsupportedExpectation }
            sendContinue = expectsBody && head.version == .http1_1 && bufferedByteCount == 0
        }
        if head.isChunked {
            phase = .chunkSize
        } else if bodyLength > 0 {
            // reserve a little: a client may announce a large body and never send it
            body.reserveCapacity(min(bodyLength, 64 * 1024))
            phase = .fixedBody(remaining: bodyLength)
        } else {
            return .request(completeRequestWithoutBody())
        }
        return sendContinue ? .expectContinue : nil
    }

    private mutating func completeRequestWithoutBody() -> HTTPRequest {
        let request = HTTPRequest(method: head.method, target: head.target, version: head.version, headers: head.headers)
        head = PartialHead()
        phase = .requestLine
        return request
    }

    /// Every Content-Length value (repeated fields or a list) must be the same decimal number.
    private func parseContentLength(_ values: [String]) throws(HTTPParserError) -> Int {
        var length: Int?
        for value in values {
            for item in value.split(separator: ",", omittingEmptySubsequences: false) {
                let digits = item.trimmingOWS().utf8
                guard !digits.isEmpty, digits.count <= 18 else { throw .invalidContentLength }
                var parsed = 0
                for byte in digits {
                    guard let digit = ASCII.decimalValue(byte) else { throw .invalidContentLength }
                    parsed = parsed * 10 + digit
                }
                guard length == nil || length == parsed else { throw .invalidContentLength }
                length = parsed
            }
        }
        guard let length else { throw .invalidContentLength }
        return length
    }
}
