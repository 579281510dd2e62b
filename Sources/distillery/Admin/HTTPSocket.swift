#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A connected TCP socket with blocking send and receive-until-close, enough for one admin request.
final class HTTPSocket {
    private let fd: Int32
    private let peer: String

    private init(fd: Int32, peer: String) {
        self.fd = fd
        self.peer = peer
    }

    static func connect(host: String, port: UInt16, timeoutSeconds: Int) throws -> HTTPSocket {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw CLIError("cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = ECONNREFUSED
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            candidate = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            guard fd >= 0 else { lastError = errno; continue }
            var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                return HTTPSocket(fd: fd, peer: "\(host):\(port)")
            }
            lastError = errno
            Glibc.close(fd)
        }
        throw CLIError("cannot connect to \(host):\(port): \(String(cString: strerror(lastError)))")
    }

    func send(_ data: Data) throws {
        try data.withUnsafeBytes { raw in
            var sent = 0
            while sent < raw.count {
                let n = Glibc.send(fd, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw CLIError("sending to \(peer) failed: \(String(cString: strerror(errno)))")
                }
                sent += n
            }
        }
    }

    /// Everything the peer sends until it closes the connection.
    func receiveAll() throws -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n == 0 { return data }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = errno == EAGAIN || errno == EWOULDBLOCK ? "timed out" : String(cString: strerror(errno))
                throw CLIError("reading the answer from \(peer) failed: \(reason)")
            }
            data.append(contentsOf: buffer[0..<n])
        }
    }

    func close() { Glibc.close(fd) }
}

/// Splits a complete HTTP/1.1 response into status and body (Content-Length, chunked, or until close).
enum HTTPResponseParser {
    static func parse(_ data: Data, from peer: String) throws -> ReloadClient.Response {
        let bytes = [UInt8](data)
        guard let end = bytes.firstRange(of: [13, 10, 13, 10]) else {
            throw CLIError("\(peer) sent no complete HTTP response (\(bytes.count) bytes)")
        }
        let head = String(decoding: bytes[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            throw CLIError("\(peer) sent a malformed status line: \(head[0])")
        }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(bytes[end.upperBound...])
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            body = try dechunk(body, peer: peer)
        } else if let length = headers["content-length"].flatMap(Int.init), length <= body.count {
            body = Array(body.prefix(length))
        }
        return ReloadClient.Response(status: status, body: Data(body))
    }

    private static func dechunk(_ bytes: [UInt8], peer: String) throws -> [UInt8] {
        var out: [UInt8] = [], i = 0
        while let lineEnd = bytes[i...].firstRange(of: [13, 10]) {
            let sizeText = String(decoding: bytes[i..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
                throw CLIError("\(peer) sent a malformed chunked body")
            }
            if size == 0 { return out }
            let start = lineEnd.upperBound
            guard start + size <= bytes.count else { throw CLIError("\(peer) sent a truncated chunked body") }
            out += bytes[start..<(start + size)]
            i = start + size + 2
            guard i <= bytes.count else { break }
        }
        return out
    }
}
