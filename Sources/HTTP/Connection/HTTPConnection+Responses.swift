import CLibUV

/// The request a connection is answering, as the loop thread tracks it.
struct Exchange {
    let id: UInt64
    let method: HTTPMethod
    let path: String
    let version: HTTPVersion
    let startedAt: UInt64
    let disconnect: DisconnectSignal
    var status: HTTPStatus?
    var framing: ResponseFraming?
    var bodyBytes = 0

    init(id: UInt64, request: HTTPRequest, startedAt: UInt64, disconnect: DisconnectSignal) {
        self.id = id
        method = request.method
        path = request.path
        version = request.version
        self.startedAt = startedAt
        self.disconnect = disconnect
    }

    /// HEAD responses carry the head of the GET response and nothing after it.
    var sendsBody: Bool { method != .head && (status?.allowsBody ?? true) }
}

extension HTTPConnection {
    /// Executes one responder command; commands for an earlier request or a closed connection are dropped.
    func handle(_ command: ResponderCommand, forRequest requestID: UInt64) {
        guard !isClosed, var current = exchange, current.id == requestID else { return }
        switch command {
        case .respond(let response):
            let keepAlive = machine.responseStarted(
                applicationWantsClose: response.headers.containsToken("close", inField: "Connection"),
                isCloseDelimited: false)
            current.status = response.status
            current.bodyBytes = writeResponse(response, keepAlive: keepAlive, version: current.version,
                isHead: current.method == .head)
            finishExchange(current)
        case .startStream(let status, let headers):
            let framing: ResponseFraming = !status.allowsBody ? .noBody : current.version == .http1_1 ? .chunked : .closeDelimited
            let keepAlive = machine.responseStarted(
                applicationWantsClose: headers.containsToken("close", inField: "Connection"),
                isCloseDelimited: framing == .closeDelimited)
            current.status = status
            current.framing = framing
            pending.appendResponseHead(status: status, headers: headers, framing: framing, keepAlive: keepAlive,
                requestVersion: current.version, date: server.dateCache.current())
            exchange = current
            flush()
        case .write(let bytes):
            guard let framing = current.framing, current.sendsBody else { return }
            if framing == .chunked { pending.appendChunk(bytes) } else { pending.append(bytes) }
            current.bodyBytes += bytes.count
            exchange = current
            // a client that stopped reading must not make us buffer a whole generation
            if pending.count > server.configuration.maxPendingWriteBytes {
                closeNow()
                return
            }
            flush()
        case .finish:
            if current.framing == .chunked && current.sendsBody { pending.append(OutboundBuffer.lastChunk) }
            flush()
            finishExchange(current)
        case .abandon:
            if current.status == nil {
                let response = server.hooks.errorResponse(.internalServerError, "the handler did not respond")
                handle(.respond(response), forRequest: requestID)
            } else {
                // cut the stream off so the client sees it is truncated rather than complete
                closeNow()
            }
        }
    }

    /// Writes a complete response; returns the body bytes sent.
    @discardableResult
    func writeResponse(_ response: HTTPResponse, keepAlive: Bool, version: HTTPVersion, isHead: Bool) -> Int {
        let allowsBody = response.status.allowsBody
        pending.appendResponseHead(status: response.status, headers: response.headers,
            framing: allowsBody ? .contentLength(response.body.count) : .noBody, keepAlive: keepAlive,
            requestVersion: version, date: server.dateCache.current())
        let sendsBody = allowsBody && !isHead
        if sendsBody { pending.append(response.body) }
        flush()
        return sendsBody ? response.body.count : 0
    }

    private func finishExchange(_ finished: Exchange) {
        exchange = nil
        logExchange(finished, clientDisconnected: false)
        execute(machine.responseFinished())
        syncWithMachine()
    }

    func logExchange(_ exchange: Exchange, clientDisconnected: Bool) {
        guard let accessLog = server.hooks.accessLog else { return }
        let elapsed = uv_hrtime() - exchange.startedAt
        accessLog(HTTPAccessLogEntry(method: exchange.method.rawValue, path: exchange.path,
            status: exchange.status?.code ?? 499, bodyBytes: exchange.bodyBytes,
            duration: .nanoseconds(Int64(elapsed)), clientDisconnected: clientDisconnected))
    }
}
