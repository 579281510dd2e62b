/// Server-sent events framing (WHATWG HTML §9.2): `event:`/`id:` lines, one `data:` line per line of
/// the payload, and a blank line to end the event.
public enum SSE {
    public static let headers: HTTPHeaders = [
        "Content-Type": "text/event-stream",
        "Cache-Control": "no-cache",
        // tells nginx-style proxies not to buffer the stream
        "X-Accel-Buffering": "no",
    ]

    public static func event(data: String, event: String? = nil, id: String? = nil) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(data.utf8.count + 16)
        if let event { appendField("event", singleLine(event), to: &bytes) }
        if let id { appendField("id", singleLine(id), to: &bytes) }
        // CRLF, CR and LF all end a line in SSE, so each becomes its own data: line
        for line in data.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            appendField("data", line, to: &bytes)
        }
        bytes.append(ASCII.lf)
        return bytes
    }

    /// A comment line, ignored by clients; useful as a keep-alive ping.
    public static func comment(_ text: String) -> [UInt8] {
        Array(": \(singleLine(text))\n\n".utf8)
    }

    private static func appendField(_ name: String, _ value: Substring, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: name.utf8)
        bytes.append(contentsOf: ": ".utf8)
        bytes.append(contentsOf: value.utf8)
        bytes.append(ASCII.lf)
    }

    private static func singleLine(_ text: String) -> Substring {
        Substring(text.filter { $0 != "\n" && $0 != "\r" && $0 != "\r\n" })
    }
}

/// A streamed `text/event-stream` response over a responder; usable from any thread.
public struct SSEWriter: Sendable {
    public let responder: HTTPResponder

    public init(responder: HTTPResponder) {
        self.responder = responder
    }

    /// Sends the head; `headers` are added to the SSE defaults.
    public func start(status: HTTPStatus = .ok, headers: HTTPHeaders = [:]) {
        var all = SSE.headers
        for field in headers { all.replaceOrAdd(name: field.name, value: field.value) }
        responder.startStream(status: status, headers: all)
    }

    @discardableResult
    public func send(data: String, event: String? = nil, id: String? = nil) -> Bool {
        responder.write(SSE.event(data: data, event: event, id: id))
    }

    @discardableResult
    public func sendComment(_ text: String) -> Bool {
        responder.write(SSE.comment(text))
    }

    public func finish() {
        responder.finish()
    }

    public var isClientDisconnected: Bool { responder.isClientDisconnected }
}
