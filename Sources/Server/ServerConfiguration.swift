import HTTP

/// Everything `distillery serve` configures.
public struct ServerConfiguration: Sendable {
    /// Address, port, limits, timeouts and signal handling of the transport (default bind: 127.0.0.1).
    public var http = HTTPServer.Configuration()
    public var scheduler = SchedulerConfiguration()
    /// What a model must pass to be served, at start and on every reload.
    public var loading = ModelLoadOptions()
    /// Required as `Authorization: Bearer` on every route except `/health`; nil leaves them open.
    public var apiKey: String?
    /// Required on `/admin/*`; nil turns the admin routes off (404).
    public var adminToken: String?
    /// The file `SIGHUP` reloads: the one the server started with.
    public var modelPath: String?
    /// nil: no access log.
    public var accessLog: AccessLogSink? = AccessLog.standardError
    /// Reloads (swapped or refused), one JSON line each; nil: none.
    public var eventLog: AccessLogSink? = AccessLog.standardError

    public init() {}
}
