import Glibc
import HTTP

/// The client side of `/admin/*` for `distillery admin`: plain HTTP/1.1 over a POSIX socket, one request
/// per connection (`Connection: close`), so no dependency beyond libc.
public struct AdminClient: Sendable {
    public struct Response: Sendable {
        public let status: Int
        public let body: String
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case badURL(String)
        case cannotResolve(String)
        case cannotConnect(String, reason: String)
        case io(String)
        case malformedResponse(String)

        public var description: String {
            switch self {
            case .badURL(let url): "'\(url)' is not a server URL such as http://127.0.0.1:8080"
            case .cannotResolve(let host): "cannot resolve host '\(host)'"
            case .cannotConnect(let address, let reason): "cannot connect to \(address): \(reason)"
            case .io(let reason): "connection failed: \(reason)"
            case .malformedResponse(let reason): "malformed response: \(reason)"
            }
        }
    }

    public let host: String
    public let port: Int
    /// How long to wait for an answer: a reload answers once the model is loaded and validated.
    public var timeoutSeconds = 600

    /// `url`: `http://host[:port][/]` (port 80 by default).
    public init(server url: String) throws(Failure) {
        guard url.hasPrefix("http://") else { throw .badURL(url) }
        var authority = Substring(url.dropFirst("http://".count))
        if let slash = authority.firstIndex(of: "/") {
            guard authority[slash...].allSatisfy({ $0 == "/" }) else { throw .badURL(url) }
            authority = authority[..<slash]
        }
        var host = authority
        var port = 80
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = authority[authority.index(after: authority.startIndex)..<close]
            let rest = authority[authority.index(after: close)...]
            if rest.hasPrefix(":") {
                guard let p = Int(rest.dropFirst()) else { throw .badURL(url) }
                port = p
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            guard let p = Int(authority[authority.index(after: colon)...]) else { throw .badURL(url) }
            port = p
        }
        guard !host.isEmpty, (1...65535).contains(port) else { throw .badURL(url) }
        self.host = String(host)
        self.port = port
    }

    /// `POST /admin/reload`.
    public func reload(model: String, token: String?, evaluation: EvaluationGate? = nil) throws(Failure) -> Response {
        var json = JSONWriter()
        json.beginObject()
        json.field("model", model)
        if let evaluation {
            json.key("eval")
            json.beginObject()
            json.field("data", evaluation.dataPath)
            json.field("max_bits_per_byte", evaluation.maxBitsPerByte)
            json.field("max_tokens", evaluation.maxTokens)
            json.endObject()
        }
        json.endObject()
        return try request(method: "POST", path: "/admin/reload", body: json.bytes, token: token)
    }

    /// `GET /admin/status`.
    public func status(token: String?) throws(Failure) -> Response {
        try request(method: "GET", path: "/admin/status", body: nil, token: token)
    }

    public func request(method: String, path: String, body: [UInt8]?, token: String?) throws(Failure) -> Response {
        let fd = try connect()
        defer { close(fd) }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\nAccept: application/json\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        try send(fd, Array((head + "\r\n").utf8) + (body ?? []))
        return try Self.parse(try receiveAll(fd))
    }

    private func connect() throws(Failure) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { throw .cannotResolve(host) }
        defer { freeaddrinfo(list) }
        var reason = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            if fd >= 0 {
                if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                    var limit = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
                    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
                    return fd
                }
                reason = String(cString: strerror(errno))
                close(fd)
            }
            entry = info.pointee.ai_next
        }
        throw .cannotConnect("\(host):\(port)", reason: reason)
    }

    private func send(_ fd: Int32, _ bytes: [UInt8]) throws(Failure) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw .io(String(cString: strerror(errno))) }
            offset += sent
        }
    }

    private func receiveAll(_ fd: Int32) throws(Failure) -> [UInt8] {
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                reply += buffer[0..<count]
            } else if count == 0 || errno == ECONNRESET {
                return reply
            } else {
                throw .io(errno == EAGAIN ? "no answer within \(timeoutSeconds) s" : String(cString: strerror(errno)))
            }
        }
    }

    /// The whole reply, read until the server closed the connection, through the shared response parser.
    static func parse(_ reply: [UInt8]) throws(Failure) -> Response {
        guard !reply.isEmpty else { throw .malformedResponse("the server closed the connection without answering") }
        var parser = HTTPResponseParser()
        var events: [HTTPResponseParser.Event]
        do {
            events = try reply.withUnsafeBytes { try parser.parse($0) }
            if !parser.isComplete { events.append(try parser.parseEndOfStream()) }
        } catch let error as HTTPResponseError {
            throw .malformedResponse(error.description)
        } catch {
            throw .malformedResponse("\(error)")
        }
        var status = 0, body: [UInt8] = []
        for event in events {
            switch event {
            case .head(let head): status = head.status
            case .body(let bytes): body += bytes
            case .end: break
            }
        }
        return Response(status: status, body: String(decoding: body, as: UTF8.self))
    }
}
