/// How a response body is delimited on the wire.
enum ResponseFraming: Equatable {
    case contentLength(Int)
    /// HTTP/1.1 streams.
    case chunked
    /// HTTP/1.0 streams: no chunked coding, so the body ends when the connection does.
    case closeDelimited
    /// 1xx, 204 and 304: no body and no length.
    case noBody
}

extension OutboundBuffer {
    /// Writes a status line and header section. The server owns the framing fields and `Connection`;
    /// the application's versions of those are dropped, the rest are copied with CR/LF defused.
    func appendResponseHead(
        status: HTTPStatus, headers: HTTPHeaders, framing: ResponseFraming, keepAlive: Bool,
        requestVersion: HTTPVersion, date: String
    ) {
        append("HTTP/1.1 ")
        append(status.code, radix: 10)
        append(byte: ASCII.space)
        appendSanitized(status.reasonPhrase)
        append("\r\n")
        var hasDate = false
        for field in headers {
            if HTTPHeaders.namesMatch(field.name, "Content-Length") || HTTPHeaders.namesMatch(field.name, "Transfer-Encoding")
                || HTTPHeaders.namesMatch(field.name, "Connection")
            {
                continue
            }
            hasDate = hasDate || HTTPHeaders.namesMatch(field.name, "Date")
            appendSanitized(field.name)
            append(": ")
            appendSanitized(field.value)
            append("\r\n")
        }
        if !hasDate {
            append("Date: ")
            append(date)
            append("\r\n")
        }
        switch framing {
        case .contentLength(let length):
            append("Content-Length: ")
            append(length, radix: 10)
            append("\r\n")
        case .chunked:
            append("Transfer-Encoding: chunked\r\n")
        case .closeDelimited, .noBody:
            break
        }
        if !keepAlive {
            append("Connection: close\r\n")
        } else if requestVersion == .http1_0 {
            append("Connection: keep-alive\r\n")
        }
        append("\r\n")
    }

    /// One chunk of a chunked body: `size-in-hex CRLF bytes CRLF`.
    func appendChunk(_ bytes: [UInt8]) {
        append(bytes.count, radix: 16)
        append("\r\n")
        append(bytes)
        append("\r\n")
    }

    static let lastChunk = "0\r\n\r\n"

    /// Header text comes from the application, possibly echoing client input: a CR or LF in it would
    /// let that input forge headers, so control bytes become spaces.
    private func appendSanitized(_ text: String) {
        guard text.utf8.contains(where: { $0 < 0x20 && $0 != ASCII.tab || $0 == 0x7F }) else {
            append(text)
            return
        }
        for byte in text.utf8 {
            append(byte: byte < 0x20 && byte != ASCII.tab || byte == 0x7F ? ASCII.space : byte)
        }
    }
}
