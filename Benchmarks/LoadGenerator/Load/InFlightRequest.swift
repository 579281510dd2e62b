#if canImport(Glibc)
import Glibc
#endif
import HTTP
import Tensors

/// One request on its own connection: connect, write the request, read the streamed response, and time
/// every text event as it is read. Driven by `LoadRunner`'s poll loop; finished once `sample` is final.
final class InFlightRequest {
    let fd: Int32
    let startNs: UInt64
    let deadlineNs: UInt64
    private(set) var sample: RequestSample
    private(set) var isFinished = false

    private let request: [UInt8]
    private var sent = 0
    private var connected = false
    private var parser = HTTPResponseParser()
    private var events = SSEDecoder()
    private var head: HTTPResponseHead?
    private var errorBody: [UInt8] = []
    private var sawDone = false
    private var lastTextNs: UInt64 = 0

    var wantsToWrite: Bool { !connected || sent < request.count }

    init(fd: Int32, request: [UInt8], startNs: UInt64, deadlineNs: UInt64, sample: RequestSample) {
        self.fd = fd
        self.request = request
        self.startNs = startNs
        self.deadlineNs = deadlineNs
        self.sample = sample
    }

    func handleWritable() {
        guard !isFinished else { return }
        do throws(SocketError) {
            if !connected {
                try ClientSocket.connectResult(fd)
                connected = true
            }
            while sent < request.count {
                let written = try request.withUnsafeBytes { bytes in
                    Result { () throws(SocketError) in try ClientSocket.send(fd, UnsafeRawBufferPointer(rebasing: bytes[sent...])) }
                }.get()
                if written == 0 { return }
                sent += written
            }
        } catch {
            fail(connected ? .truncated : .connect, error.description)
        }
    }

    /// Reads until the socket has nothing more, the response ends, or it fails.
    func handleReadable(buffer: UnsafeMutableRawBufferPointer) {
        while !isFinished {
            let result: ClientSocket.ReadResult
            do {
                result = try ClientSocket.receive(fd, into: buffer)
            } catch {
                endOfStream(reason: error.description)
                return
            }
            switch result {
            case .wouldBlock:
                return
            case .endOfStream:
                endOfStream(reason: "connection closed")
                return
            case .bytes(let count):
                let now = MonotonicClock.now()
                do {
                    for event in try parser.parse(UnsafeRawBufferPointer(rebasing: buffer[..<count])) {
                        try handle(event, now: now)
                        if isFinished { return }
                    }
                } catch let error as HTTPResponseError {
                    fail(.protocolError, error.description)
                } catch {
                    fail(.protocolError, "\(error)")
                }
            }
        }
    }

    /// The socket reported an error or hang-up before it was even connected.
    func handleConnectFailure() {
        do {
            try ClientSocket.connectResult(fd)
            fail(.connect, "connection failed")
        } catch {
            fail(.connect, error.description)
        }
    }

    func expire(now: UInt64) {
        guard !isFinished, now >= deadlineNs else { return }
        fail(.timeout, "no complete response within \(MonotonicClock.milliseconds(from: startNs, to: deadlineNs)) ms")
    }

    private func handle(_ event: HTTPResponseParser.Event, now: UInt64) throws {
        switch event {
        case .head(let head):
            self.head = head
            sample.status = head.status
        case .body(let bytes):
            guard head?.status == 200 else {
                errorBody.append(contentsOf: bytes.prefix(max(0, 300 - errorBody.count)))
                return
            }
            for data in try events.decode(bytes) {
                handle(CompletionChunk(event: data), data: data, now: now)
                if isFinished { return }
            }
        case .end:
            finishResponse(now: now)
        }
    }

    private func handle(_ chunk: CompletionChunk, data: [UInt8], now: UInt64) {
        if chunk.isError {
            fail(.streamError, String(decoding: data.prefix(300), as: UTF8.self))
            return
        }
        if chunk.carriesText {
            if sample.textChunks == 0 {
                sample.ttftMs = MonotonicClock.milliseconds(from: startNs, to: now)
            } else {
                sample.itlMs.append(MonotonicClock.milliseconds(from: lastTextNs, to: now))
            }
            sample.textChunks += 1
            lastTextNs = now
        }
        if let tokens = chunk.completionTokens { sample.usageTokens = tokens }
        if chunk.isDone { sawDone = true }
    }

    private func finishResponse(now: UInt64) {
        guard let head else { return fail(.protocolError, "response ended without a head") }
        guard head.status == 200 else {
            return fail(.httpStatus, "HTTP \(head.status): \(String(decoding: errorBody, as: UTF8.self))")
        }
        guard sawDone else { return fail(.truncated, "stream ended without data: [DONE]") }
        sample.e2eMs = MonotonicClock.milliseconds(from: startNs, to: now)
        finish()
    }

    private func endOfStream(reason: String) {
        let now = MonotonicClock.now()
        if (try? parser.parseEndOfStream()) != nil || (head?.status == 200 && sawDone) {
            finishResponse(now: now)
        } else if head == nil && sent < request.count {
            fail(.connect, reason)
        } else {
            fail(.truncated, "\(reason) before the response was complete")
        }
    }

    private func fail(_ kind: RequestFailure.Kind, _ detail: String) {
        guard !isFinished else { return }
        sample.failure = RequestFailure(kind: kind, detail: detail)
        finish()
    }

    private func finish() {
        isFinished = true
        close(fd)
    }
}
