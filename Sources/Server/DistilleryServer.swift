import Dispatch
import HTTP
import Synchronization

/// The OpenAI-compatible server: the HTTP transport on its loop thread, the scheduler on the engine
/// thread, and request preparation (JSON, tokenization) on a worker queue in between.
///
///     let server = DistilleryServer(configuration: configuration)
///     try server.start()                  // listening; /health answers 503 until a model is in
///     try server.loadModel(path: file)    // validates and installs it (on this thread)
///     server.wait()                       // until SIGINT/SIGTERM has drained every request
public final class DistilleryServer: Sendable {
    public let configuration: ServerConfiguration
    let registry = ModelRegistry()
    let metrics = ServerMetrics()
    let observer: RequestObserver
    let scheduler: Scheduler
    let reloader: ModelReloader
    private let makeEngine: ModelLoader.EngineFactory?
    let apiKey: BearerToken?
    let adminToken: BearerToken?
    /// JSON parsing, tokenization and the other endpoints' work: never on the loop thread.
    let workers = DispatchQueue(label: "distillery.requests", qos: .userInitiated, attributes: .concurrent)
    private let transport = Mutex<HTTPServer?>(nil)
    private let draining = Atomic<Bool>(false)

    public convenience init(configuration: ServerConfiguration) {
        self.init(configuration: configuration, makeEngine: nil)
    }

    /// `makeEngine` builds the engine for every model this server loads (default: the f32 reference).
    package init(configuration: ServerConfiguration, makeEngine: ModelLoader.EngineFactory?) {
        self.configuration = configuration
        self.makeEngine = makeEngine
        observer = RequestObserver(metrics: metrics, sink: configuration.accessLog)
        scheduler = Scheduler(configuration: configuration.scheduler, metrics: metrics, registry: registry)
        reloader = ModelReloader(registry: registry, metrics: metrics, eventLog: configuration.eventLog)
        apiKey = BearerToken(configuration.apiKey)
        adminToken = BearerToken(configuration.adminToken)
    }

    /// Starts the engine thread, binds and listens. Throws when the address cannot be bound.
    public func start() throws {
        JemallocStats.startBackgroundPurging()
        try scheduler.start()
        let http = HTTPServer(configuration: configuration.http, hooks: makeHooks()) { [self] request, responder in
            handle(request, responder)
        }
        do {
            try http.start()
        } catch {
            scheduler.shutdown()
            throw error
        }
        transport.withLock { $0 = http }
    }

    /// The bound port (useful with port 0).
    public var port: Int { transport.withLock { $0?.port ?? 0 } }

    var transportConnectionCount: Int { transport.withLock { $0?.connectionCount ?? 0 } }
    var transportLoopStarvations: Int { transport.withLock { $0?.loopStarvations ?? 0 } }

    /// Loads, validates and installs a model; blocks the calling thread (never call it on the loop thread).
    @discardableResult
    public func loadModel(path: String) throws(ModelLoadError) -> LoadedModel {
        let model = try loader(evaluation: nil).load(path: path)
        install(model)
        return model
    }

    /// The loader for this server's options, with an optional quality gate.
    func loader(evaluation: EvaluationGate?) -> ModelLoader {
        var options = configuration.loading
        if let evaluation { options.evaluation = evaluation }
        guard let makeEngine else { return ModelLoader(options: options) }
        return ModelLoader(options: options, makeEngine: makeEngine)
    }

    /// Makes `model` the one new requests get.
    package func install(_ model: LoadedModel) {
        registry.install(model)
    }

    /// The model new requests get; nil while the first one loads.
    public var currentModel: LoadedModel? { registry.current }

    /// Starts a graceful shutdown: no new requests, in-flight ones finish (up to the drain timeout).
    public func stop() {
        transport.withLock { $0 }?.stop()
    }

    /// Blocks until the transport has drained, then lets the engine thread finish.
    public func wait() {
        transport.withLock { $0 }?.wait()
        scheduler.shutdown()
    }

    /// The same, giving up after `timeout`; true if the server stopped.
    public func wait(timeout: Duration) -> Bool {
        guard transport.withLock({ $0 })?.wait(timeout: timeout) ?? true else { return false }
        scheduler.shutdown()
        return true
    }

    var isDraining: Bool { draining.load(ordering: .acquiring) }

    private func makeHooks() -> HTTPServer.Hooks {
        var hooks = HTTPServer.Hooks()
        hooks.errorResponse = { status, reason in APIError.transport(status, reason: reason).response }
        hooks.willDrain = { [self] in draining.store(true, ordering: .releasing) }
        hooks.reload = { [self] in reloadStartupModel() }
        // requests the application answered are logged by it, with their tokens; these are the transport's own
        hooks.accessLog = { [observer] entry in
            guard entry.method == "-" else { return }
            observer.record(method: entry.method, path: entry.path, status: entry.status,
                            duration: Double(entry.duration.components.attoseconds) / 1e18 + Double(entry.duration.components.seconds),
                            details: AccessLogDetails(), clientDisconnected: entry.clientDisconnected)
        }
        return hooks
    }
}
