import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A streaming completions server on 127.0.0.1 that behaves exactly as a test asks: so many text chunks at
/// such a gap, an HTTP error, a stream cut short, an error object, or silence. One thread per connection.
final class FakeCompletionServer: Sendable {
    enum Behavior: Sendable {
        /// `chunks` text events `gapMs` apart, a usage chunk, `[DONE]`; chunked or close-delimited.
        case stream(chunks: Int, gapMs: Int, chunkedEncoding: Bool = true)
        case status(Int)
        /// Sends `chunks` text events, then closes without `[DONE]` or the final chunk.
        case cutAfter(chunks: Int)
        /// Sends `chunks` text events, then an error object and `[DONE]`.
        case errorAfter(chunks: Int)
        /// Reads the request and says nothing for `seconds`.
        case stall(seconds: Double)
    }

    let port: UInt16
    private let listener: Int32
    private let behavior: Behavior
    private let state = Mutex(State())

    private struct State {
        var open = 0
        var maxOpen = 0
        var requests = 0
        var bodies: [String] = []
        var stopped = false
    }

    var requestCount: Int { state.withLock { $0.requests } }
    var maxConcurrentConnections: Int { state.withLock { $0.maxOpen } }
    var bodies: [String] { state.withLock { $0.bodies } }

    init(_ behavior: Behavior) throws {
        self.behavior = behavior
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr = in_addr(s_addr: UInt32(0x7F00_0001).bigEndian)
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(fd, socketAddress, length) == 0 && listen(fd, 256) == 0
                    && getsockname(fd, socketAddress, &length) == 0
            }
        }
        guard bound else { throw NSError(domain: "FakeCompletionServer", code: Int(errno)) }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    var url: String { "http://127.0.0.1:\(port)" }

    func stop() {
        state.withLock { $0.stopped = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            if state.withLock({ $0.stopped }) { close(client); return }
            Thread.detachNewThread { [self] in serve(client) }
        }
    }

    private func serve(_ client: Int32) {
        state.withLock {
            $0.open += 1
            $0.maxOpen = max($0.maxOpen, $0.open)
        }
        defer {
            state.withLock { $0.open -= 1 }
            close(client)
        }
        guard let body = readRequest(client) else { return }
        state.withLock {
            $0.requests += 1
            $0.bodies.append(body)
        }
        switch behavior {
        case .stream(let chunks, let gapMs, let chunkedEncoding):
            streamHead(client, chunked: chunkedEncoding)
            for index in 0 ..< chunks {
                if index > 0 { usleep(UInt32(gapMs * 1000)) }
                event(client, #"{"choices":[{"text":"t\#(index)","index":0,"finish_reason":null}]}"#, chunked: chunkedEncoding)
            }
            event(client, #"{"choices":[{"text":"","index":0,"finish_reason":"length"}],"usage":{"completion_tokens":\#(chunks)}}"#,
                  chunked: chunkedEncoding)
            event(client, "[DONE]", chunked: chunkedEncoding)
            if chunkedEncoding { write(client, "0\r\n\r\n") }
        case .status(let code):
            let json = #"{"error":{"message":"nope","type":"invalid_request_error"}}"#
            write(client, "HTTP/1.1 \(code) Nope\r\nContent-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n\r\n\(json)")
        case .cutAfter(let chunks):
            streamHead(client, chunked: true)
            for index in 0 ..< chunks { event(client, #"{"choices":[{"text":"t\#(index)"}]}"#, chunked: true) }
        case .errorAfter(let chunks):
            streamHead(client, chunked: true)
            for index in 0 ..< chunks { event(client, #"{"choices":[{"text":"t\#(index)"}]}"#, chunked: true) }
            event(client, #"{"error":{"message":"engine failed","type":"server_error"}}"#, chunked: true)
            event(client, "[DONE]", chunked: true)
            write(client, "0\r\n\r\n")
        case .stall(let seconds):
            usleep(UInt32(seconds * 1e6))
        }
    }

    private func streamHead(_ client: Int32, chunked: Bool) {
        write(client, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            + (chunked ? "Transfer-Encoding: chunked\r\n" : "Connection: close\r\n") + "\r\n")
    }

    private func event(_ client: Int32, _ data: String, chunked: Bool) {
        let payload = "data: \(data)\n\n"
        write(client, chunked ? String(payload.utf8.count, radix: 16) + "\r\n" + payload + "\r\n" : payload)
    }

    private func write(_ client: Int32, _ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }

    /// The request's body, once its head and Content-Length bytes have arrived.
    private func readRequest(_ client: Int32) -> String? {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return nil }
            received.append(contentsOf: buffer[..<count])
            let text = String(decoding: received, as: UTF8.self)
            guard let headEnd = text.range(of: "\r\n\r\n") else { continue }
            let head = text[..<headEnd.lowerBound].lowercased()
            let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            let body = text[headEnd.upperBound...]
            if body.utf8.count >= length { return String(body) }
        }
    }
}
