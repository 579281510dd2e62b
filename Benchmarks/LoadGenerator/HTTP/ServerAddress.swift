import HTTP

/// Where the load goes: `http://127.0.0.1:PORT[/path]`. Only the loopback address is accepted, so a
/// benchmark can never be pointed at someone else's machine.
struct ServerAddress: Equatable {
    var socket: SocketAddress
    var port: UInt16
    var path: String
    var hostHeader: String

    static let defaultPath = "/v1/completions"

    init(url: String) throws(UsageError) {
        guard url.hasPrefix("http://") else {
            throw UsageError("--url must start with http:// (got '\(url)'); TLS is not supported")
        }
        let rest = url.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let port = UInt16(parts[1]), port > 0 else {
            throw UsageError("--url needs an explicit port, e.g. http://127.0.0.1:8080 (got '\(url)')")
        }
        guard parts[0] == "127.0.0.1" || parts[0] == "localhost" else {
            throw UsageError("--url must point at 127.0.0.1 or localhost (got '\(parts[0])')")
        }
        do { socket = try SocketAddress.resolve(host: "127.0.0.1", port: Int(port))[0] } catch {
            throw UsageError("--url: \(error)")
        }
        self.port = port
        self.path = path.isEmpty || path == "/" ? Self.defaultPath : String(path)
        hostHeader = "127.0.0.1:\(port)"
    }

    /// One blocking connection to the server, every wait bounded by `timeoutSeconds`.
    func connection(timeoutSeconds: Double) throws(HTTPClientConnection.Failure) -> HTTPClientConnection {
        try HTTPClientConnection(to: [socket], timeout: .milliseconds(Int(timeoutSeconds * 1000)))
    }

    /// The same server, another route (e.g. `/health`).
    func with(path: String) -> ServerAddress {
        var copy = self
        copy.path = path
        return copy
    }
}
