import HTTP

/// The client side of `/admin/*` for `distillery admin`: one request per connection (`Connection: close`) on
/// the shared `HTTPClientConnection`.
public struct AdminClient: Sendable {
    public struct Response: Sendable {
        public let status: Int
        public let body: String

        /// The server's OpenAI-style error object as one line, or the status and raw body.
        public var errorSummary: String {
            guard let error = try? JSONParser.parse(body)["error"], case .string(let message)? = error["message"] else {
                return "HTTP \(status): \(body)"
            }
            let code: String = if case .string(let code)? = error["code"] { " (\(code))" } else { "" }
            return "HTTP \(status)\(code): \(message)"
        }
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
        let addresses: [SocketAddress]
        do { addresses = try SocketAddress.resolve(host: host, port: port) } catch { throw .cannotResolve(host) }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\nAccept: application/json\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        do {
            let connection = try HTTPClientConnection(to: addresses, timeout: .seconds(timeoutSeconds))
            try connection.send(Array((head + "\r\n").utf8) + (body ?? []))
            let response = try connection.readResponse()
            return Response(status: response.status, body: response.text)
        } catch {
            switch error {
            case .connect(let reason): throw .cannotConnect("\(host):\(port)", reason: reason.reason)
            case .timedOut: throw .io("no answer within \(timeoutSeconds) s")
            case .io(let reason): throw .io(reason.description)
            case .closed: throw .malformedResponse("the server closed the connection without answering")
            case .malformed(let reason): throw .malformedResponse(reason)
            }
        }
    }
}
