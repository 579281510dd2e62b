import CLibUV

/// The I/O half of one connection, confined to the loop thread: feeds socket events to its
/// `ConnectionStateMachine`, executes the actions that come out, and keeps the timer and reading in
/// step with what the state machine wants. Responses arrive as responder commands (see +Responses).
final class HTTPConnection {
    let id: UInt64
    unowned let server: HTTPServerLoop
    let tcp: UVTCP
    private let timer: UVTimer
    var machine: ConnectionStateMachine
    private var armedTimeout: ConnectionStateMachine.Timeout?
    private var isReading = false
    /// Collects output while `inFlight` is being written; swapped on each write.
    var pending = OutboundBuffer()
    private var inFlight = OutboundBuffer()
    private var shutdownWhenFlushed = false
    private var hasShutdown = false
    private(set) var isClosed = false
    var exchange: Exchange?
    private var requestCount: UInt64 = 0

    init(id: UInt64, tcp: UVTCP, server: HTTPServerLoop) throws(UVError) {
        self.id = id
        self.tcp = tcp
        self.server = server
        timer = try UVTimer(loop: server.loop)
        machine = ConnectionStateMachine(limits: server.configuration.limits)
    }

    func start() {
        syncWithMachine()
    }

    // MARK: events

    private func readCompleted(_ result: UVTCP.ReadResult) {
        switch result {
        case .bytes(let bytes): execute(machine.bytesReceived(bytes))
        case .endOfInput: execute(machine.endOfInput())
        case .failed: execute(machine.connectionFailed())
        }
        syncWithMachine()
        // answers given synchronously by the handler go out now, not on the next wake-up
        server.pump()
    }

    private func timerFired() {
        armedTimeout = nil
        execute(machine.timeoutFired())
        syncWithMachine()
    }

    private func writeCompleted(_ error: UVError?) {
        inFlight.removeAll()
        guard !isClosed else { return }
        if error != nil {
            execute(machine.connectionFailed())
        } else {
            flush()
        }
        syncWithMachine()
    }

    func beginDraining() {
        execute(machine.beginDraining())
        syncWithMachine()
    }

    // MARK: actions

    func execute(_ action: ConnectionStateMachine.Action) {
        guard !isClosed else { return }
        switch action {
        case .none:
            break
        case .deliver(let request):
            deliver(request)
        case .sendContinue:
            pending.append("HTTP/1.1 100 Continue\r\n\r\n")
            flush()
        case .rejectAndClose(let status, let reason):
            let response = server.hooks.errorResponse(status, reason)
            writeResponse(response, keepAlive: false, version: .http1_1, isHead: false)
            server.hooks.accessLog?(HTTPAccessLogEntry(method: "-", path: "-", status: response.status.code,
                bodyBytes: response.body.count, duration: .zero, clientDisconnected: false))
            closeAfterFlush()
        case .closeAfterFlush:
            closeAfterFlush()
        case .close, .abortResponse:
            closeNow()
        }
    }

    private func deliver(_ request: HTTPRequest) {
        requestCount += 1
        let disconnect = DisconnectSignal()
        exchange = Exchange(id: requestCount, request: request, startedAt: uv_hrtime(), disconnect: disconnect)
        let responder = HTTPResponder(exchange: ExchangeID(connection: id, request: requestCount),
            mailbox: server.mailbox, disconnect: disconnect)
        server.handler(request, responder)
    }

    /// Moves collected output to the socket if no write is in flight; then half-closes if asked to.
    func flush() {
        guard !isClosed, !tcp.isWriting else { return }
        if !pending.isEmpty {
            swap(&pending, &inFlight)
            do {
                try tcp.write(inFlight.bytes) { [weak self] in self?.writeCompleted($0) }
            } catch {
                execute(machine.connectionFailed())
            }
            return
        }
        guard shutdownWhenFlushed, !hasShutdown else { return }
        hasShutdown = true
        do {
            try tcp.shutdown { [weak self] in
                guard let self, !isClosed else { return }
                execute(machine.outputShutDown())
                syncWithMachine()
            }
        } catch {
            closeNow()
        }
    }

    private func closeAfterFlush() {
        shutdownWhenFlushed = true
        flush()
    }

    /// Closes both handles now (queued writes are cancelled). A response still in progress is reported
    /// as a disconnect to its responder and to the access log.
    func closeNow() {
        guard !isClosed else { return }
        isClosed = true
        if let exchange {
            exchange.disconnect.fire()
            logExchange(exchange, clientDisconnected: true)
            self.exchange = nil
        }
        tcp.close()
        timer.close()
        server.connectionClosed(self)
    }

    /// Makes reading and the timer match what the state machine wants now.
    func syncWithMachine() {
        guard !isClosed else { return }
        if machine.wantsToRead != isReading {
            isReading = machine.wantsToRead
            if isReading {
                do {
                    try tcp.startReading { [weak self] in self?.readCompleted($0) }
                } catch {
                    closeNow()
                    return
                }
            } else {
                tcp.stopReading()
            }
        }
        if machine.timeout != armedTimeout {
            armedTimeout = machine.timeout
            switch armedTimeout {
            case .keepAlive?: startTimer(server.configuration.keepAliveTimeout)
            case .requestRead?: startTimer(server.configuration.requestReadTimeout)
            case .linger?: startTimer(server.configuration.lingerTimeout)
            case nil: timer.stop()
            }
        }
    }

    private func startTimer(_ duration: Duration) {
        timer.start(after: UV.milliseconds(duration)) { [weak self] in self?.timerFired() }
    }
}
