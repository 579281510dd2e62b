/// Called on the loop thread for every request. It must return quickly: hand the work to another
/// thread and answer through the responder from there. Never run a model or block here.
public typealias HTTPHandler = @Sendable (HTTPRequest, HTTPResponder) -> Void

extension HTTPServer {
    public struct Configuration: Sendable {
        /// An IPv4 or IPv6 address literal ("0.0.0.0" for every interface); "localhost" means 127.0.0.1.
        public var host = "127.0.0.1"
        /// 0 lets the kernel pick a free port; `HTTPServer.port` tells which.
        public var port = 0
        public var backlog: Int32 = 256
        public var limits = HTTPParserLimits()
        /// How long a connection may sit idle between requests (and before its first).
        public var keepAliveTimeout = Duration.seconds(5)
        /// From a request's first byte until all of it (head and body) has arrived; answered with 408.
        public var requestReadTimeout = Duration.seconds(10)
        /// After a closing response, how long to drain the client's leftover input before closing.
        public var lingerTimeout = Duration.seconds(2)
        /// On SIGINT/SIGTERM/`stop()`: how long in-flight responses may take before they are cut off.
        public var drainTimeout = Duration.seconds(30)
        /// A stream whose client reads slower than this much queued output is dropped as disconnected.
        public var maxPendingWriteBytes = 4 * 1024 * 1024
        /// Watch SIGINT/SIGTERM (graceful drain) and SIGHUP (`Hooks.reload`). Off for embedded/test use.
        public var handlesSignals = true

        public init() {}
    }

    /// Application callbacks. All run on the loop thread and must be quick.
    public struct Hooks: Sendable {
        /// One entry per finished (or abandoned) request.
        public var accessLog: (@Sendable (HTTPAccessLogEntry) -> Void)?
        /// Shutdown began (signal or `stop()`): stop admitting new work; in-flight responses may finish.
        public var willDrain: (@Sendable () -> Void)?
        /// SIGHUP arrived, e.g. to reload the model.
        public var reload: (@Sendable () -> Void)?
        /// Renders errors the transport answers by itself (malformed request, limits, timeouts, a handler
        /// that never responded). Defaults to a plain-text body.
        public var errorResponse: @Sendable (HTTPStatus, _ reason: String) -> HTTPResponse = { status, reason in
            HTTPResponse(status: status, contentType: "text/plain; charset=utf-8", body: "\(status): \(reason)\n")
        }

        public init() {}
    }
}

/// What the access log sees of one request.
public struct HTTPAccessLogEntry: Sendable, Equatable {
    /// "-" when the request never parsed (e.g. a 400 for garbage).
    public var method: String
    public var path: String
    /// 499 when the client left before any status was sent.
    public var status: Int
    /// Body bytes sent, without head or chunk framing.
    public var bodyBytes: Int
    /// From the request's full arrival to its response's last byte being queued (or to the abort).
    public var duration: Duration
    public var clientDisconnected: Bool
}
