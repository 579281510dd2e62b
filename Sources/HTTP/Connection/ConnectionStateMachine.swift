/// The life of one connection as a pure state machine: I/O events in, one `Action` out, executed by
/// `HTTPConnection`. Level-triggered needs (which timer should run, whether to read) are properties the
/// I/O layer re-reads after every event.
///
///     idle ──bytes──▶ readingRequest ──complete──▶ responding ──finished, keep-alive──▶ idle
///       │                  │ timeout: 408                │ end of input: client gone
///       └──────────────────┴──── closing ◀── finished, close ──┘
///                             closing ──output shut down──▶ lingering ──EOF / timeout──▶ closed
struct ConnectionStateMachine {
    enum State: Equatable {
        /// Between requests; the keep-alive timer runs.
        case idle
        /// Part of a request has arrived; the request-read timer runs.
        case readingRequest
        /// A request is with the application; later bytes wait in the parser (pipelining).
        case responding
        /// The last response is being flushed; then the I/O layer half-closes.
        case closing
        /// Output is shut down; reads are drained so unread input cannot turn our close into a reset
        /// that destroys the response before the client reads it.
        case lingering
        case closed
    }

    enum Action: Equatable {
        case none
        case deliver(HTTPRequest)
        case sendContinue
        /// Answer with `status` (and `Connection: close`), then close once it is flushed.
        case rejectAndClose(HTTPStatus, reason: String)
        /// Flush what is queued, then shut down the output and linger.
        case closeAfterFlush
        /// Close at once; nothing is in flight.
        case close
        /// The client went away mid-response: tell the responder, then close at once.
        case abortResponse
    }

    enum Timeout: Equatable {
        case keepAlive, requestRead, linger
    }

    private(set) var state = State.idle
    private(set) var isDraining = false
    private var parser: HTTPRequestParser
    private var requestWantsKeepAlive = true
    private var responseKeepsAlive = true
    /// The peer sent EOF while we were still flushing: no lingering needed after the half-close.
    private var inputEnded = false
    /// Pipelined bytes buffered while responding beyond this pause reading.
    private let pipelineBufferLimit: Int

    init(limits: HTTPParserLimits) {
        parser = HTTPRequestParser(limits: limits)
        pipelineBufferLimit = limits.maxHeaderBytes + 64 * 1024
    }

    var timeout: Timeout? {
        switch state {
        case .idle: .keepAlive
        case .readingRequest: .requestRead
        case .lingering: .linger
        case .responding, .closing, .closed: nil
        }
    }

    var wantsToRead: Bool {
        switch state {
        case .idle, .readingRequest, .lingering: true
        case .closing: !inputEnded
        case .responding: parser.bufferedByteCount < pipelineBufferLimit
        case .closed: false
        }
    }

    mutating func bytesReceived(_ bytes: UnsafeRawBufferPointer) -> Action {
        switch state {
        case .idle, .readingRequest:
            parser.append(bytes)
            return parseNext()
        case .responding:
            // pipelined: parsed only after the current response, so responses keep request order
            parser.append(bytes)
            return .none
        case .closing, .lingering, .closed:
            return .none
        }
    }

    mutating func endOfInput() -> Action {
        switch state {
        case .idle, .readingRequest, .lingering:
            state = .closed
            return .close
        case .responding:
            state = .closed
            return .abortResponse
        case .closing:
            // the peer stopped sending; our queued output can still be flushed
            inputEnded = true
            return .none
        case .closed:
            return .none
        }
    }

    /// A read or write failed: the connection is unusable.
    mutating func connectionFailed() -> Action {
        switch state {
        case .responding:
            state = .closed
            return .abortResponse
        case .closed:
            return .none
        default:
            state = .closed
            return .close
        }
    }

    mutating func timeoutFired() -> Action {
        switch state {
        case .idle, .lingering:
            state = .closed
            return .close
        case .readingRequest:
            state = .closing
            return .rejectAndClose(.requestTimeout, reason: "the request did not arrive in time")
        case .responding, .closing, .closed:
            return .none
        }
    }

    /// The application's response head is about to be written; returns whether the connection stays
    /// open after it (the head then says `Connection: close` or not).
    mutating func responseStarted(applicationWantsClose: Bool, isCloseDelimited: Bool) -> Bool {
        precondition(state == .responding, "a response without a request")
        responseKeepsAlive = requestWantsKeepAlive && !applicationWantsClose && !isCloseDelimited && !isDraining
        return responseKeepsAlive
    }

    mutating func responseFinished() -> Action {
        guard state == .responding else { return .none }
        guard responseKeepsAlive && !isDraining else {
            state = .closing
            return .closeAfterFlush
        }
        state = .idle
        return parseNext()
    }

    /// The close-after-flush half-close is done; drain input until EOF or the linger timeout.
    mutating func outputShutDown() -> Action {
        guard state == .closing else { return .none }
        if inputEnded {
            state = .closed
            return .close
        }
        state = .lingering
        return .none
    }

    /// The server is shutting down: idle connections close now; the others after their response.
    mutating func beginDraining() -> Action {
        isDraining = true
        guard state == .idle else { return .none }
        state = .closed
        return .close
    }

    private mutating func parseNext() -> Action {
        do {
            switch try parser.next() {
            case .request(let request):
                state = .responding
                requestWantsKeepAlive = request.wantsKeepAlive
                return .deliver(request)
            case .expectContinue:
                state = .readingRequest
                return .sendContinue
            case nil:
                state = parser.hasPartialRequest ? .readingRequest : .idle
                if state == .idle && isDraining {
                    state = .closed
                    return .close
                }
                return .none
            }
        } catch {
            state = .closing
            return .rejectAndClose(error.status, reason: error.description)
        }
    }
}
