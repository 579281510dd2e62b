import Synchronization

/// Answers one request, from any thread. Either `respond` once, or `startStream`, then `write` any number
/// of times and `finish`. Calls from other threads are queued and performed by the loop thread.
/// Writes after the client has gone are dropped and return false. Releasing a responder without
/// finishing answers 500 (nothing sent yet) or cuts the stream off so the client sees it is truncated.
public final class HTTPResponder: Sendable {
    private enum Phase {
        case awaitingResponse, streaming, finished
    }

    let exchange: ExchangeID
    private let mailbox: LoopMailbox
    private let disconnect: DisconnectSignal
    private let phase = Mutex(Phase.awaitingResponse)

    init(exchange: ExchangeID, mailbox: LoopMailbox, disconnect: DisconnectSignal) {
        self.exchange = exchange
        self.mailbox = mailbox
        self.disconnect = disconnect
    }

    deinit {
        if phase.withLock({ $0 }) != .finished {
            mailbox.post(.responder(exchange, .abandon))
        }
    }

    /// True once the client has closed or reset the connection, or the server dropped it.
    public var isClientDisconnected: Bool { disconnect.isSet }

    /// Runs `callback` once when the client goes away (on the loop thread), or at once if it already has.
    /// It must be quick: e.g. flag the engine slot for release.
    public func onClientDisconnect(_ callback: @escaping @Sendable () -> Void) {
        disconnect.register(callback)
    }

    /// Sends a complete response with a `Content-Length`.
    public func respond(_ response: HTTPResponse) {
        advance(from: .awaitingResponse, to: .finished, "respond")
        mailbox.post(.responder(exchange, .respond(response)))
    }

    public func respond(status: HTTPStatus, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        respond(HTTPResponse(status: status, headers: headers, body: body))
    }

    /// Sends the head of a streamed response: chunked on HTTP/1.1, ended by closing on HTTP/1.0.
    public func startStream(status: HTTPStatus = .ok, headers: HTTPHeaders = [:]) {
        advance(from: .awaitingResponse, to: .streaming, "startStream")
        mailbox.post(.responder(exchange, .startStream(status, headers)))
    }

    /// Queues body bytes of a started stream; false if the client is gone (the bytes are dropped).
    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
        precondition(phase.withLock { $0 } == .streaming, "write needs startStream and no finish yet")
        guard !disconnect.isSet, !bytes.isEmpty else { return !disconnect.isSet }
        return mailbox.post(.responder(exchange, .write(bytes)))
    }

    @discardableResult
    public func write(_ text: String) -> Bool {
        write(Array(text.utf8))
    }

    /// Ends a started stream.
    public func finish() {
        advance(from: .streaming, to: .finished, "finish")
        mailbox.post(.responder(exchange, .finish))
    }

    /// Misordered calls are bugs in the application, not conditions to recover from.
    private func advance(from expected: Phase, to next: Phase, _ call: String) {
        phase.withLock { phase in
            precondition(phase == expected, "HTTPResponder.\(call) called while \(phase)")
            phase = next
        }
    }
}
