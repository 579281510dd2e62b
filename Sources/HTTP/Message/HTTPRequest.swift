/// A complete request: head and fully received body.
public struct HTTPRequest: Sendable, Equatable {
    public var method: HTTPMethod
    /// The request-target exactly as sent (origin form `/a/b?x=1`, `*`, or absolute form).
    public var target: String
    /// The target's path, still percent-encoded.
    public var path: String
    /// The part of the target after `?`, or nil when there is none.
    public var query: String?
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(
        method: HTTPMethod, target: String, version: HTTPVersion = .http1_1,
        headers: HTTPHeaders = [:], body: [UInt8] = []
    ) {
        self.method = method
        self.target = target
        (self.path, self.query) = HTTPRequest.splitTarget(target)
        self.version = version
        self.headers = headers
        self.body = body
    }

    /// Whether the client asked to reuse the connection: HTTP/1.1 unless `Connection: close`,
    /// HTTP/1.0 only with `Connection: keep-alive` (RFC 9112 §9.3).
    public var wantsKeepAlive: Bool {
        if headers.containsToken("close", inField: "Connection") { return false }
        if version == .http1_0 { return headers.containsToken("keep-alive", inField: "Connection") }
        return true
    }

    /// The body decoded as UTF-8 (invalid sequences replaced).
    public var bodyString: String { String(decoding: body, as: UTF8.self) }

    static func splitTarget(_ target: String) -> (path: String, query: String?) {
        var rest = Substring(target)
        // absolute form "http://host:port/path?q": keep only the path and query
        if let schemeEnd = rest.firstRange(of: "://") {
            let afterAuthority = rest[schemeEnd.upperBound...]
            rest = afterAuthority.firstIndex(where: { $0 == "/" || $0 == "?" }).map { afterAuthority[$0...] } ?? ""
            if rest.isEmpty || rest.first == "?" { rest = "/" + rest }
        }
        guard let mark = rest.firstIndex(of: "?") else { return (String(rest), nil) }
        return (String(rest[..<mark]), String(rest[rest.index(after: mark)...]))
    }
}
