import CKernels
import Dispatch
import Glibc
import Synchronization
import Tensors

/// An HTTP/1.1 server on one libuv loop thread that owns every socket.
///
///     let server = HTTPServer(configuration: config, hooks: hooks) { request, responder in
///         responder.respond(HTTPResponse(contentType: "text/plain", body: "hello"))
///     }
///     try server.start()      // bound and listening when this returns; see `port`
///     server.wait()           // until SIGINT/SIGTERM or `stop()` has drained every connection
public final class HTTPServer: Sendable {
    public let configuration: Configuration
    private let hooks: Hooks
    private let handler: HTTPHandler
    private let mailbox = LoopMailbox()
    private let boundPort = Atomic<Int>(0)
    private let openConnections = ConnectionCounter()
    private let hasStarted = Atomic<Bool>(false)
    private let running = DispatchGroup()

    public init(configuration: Configuration = Configuration(), hooks: Hooks = Hooks(), handler: @escaping HTTPHandler) {
        self.configuration = configuration
        self.hooks = hooks
        self.handler = handler
    }

    /// The port the server listens on (useful with port 0); 0 before `start`.
    public var port: Int { boundPort.load(ordering: .acquiring) }

    /// Connections currently open (for metrics).
    public var connectionCount: Int { openConnections.value }

    /// Times a thread posting a response found the loop thread starved of a core and yielded to it (for metrics).
    public var loopStarvations: Int { mailbox.starvations }

    /// Binds, listens and starts the loop thread. Throws when the address cannot be bound.
    /// Ignores SIGPIPE process-wide: a peer that resets must be a write error, not the end of the process.
    public func start() throws(UVError) {
        let (first, _) = hasStarted.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing)
        precondition(first, "HTTPServer.start called twice")
        signal(SIGPIPE, SIG_IGN)
        let loop = try HTTPServerLoop(
            configuration: configuration, hooks: hooks, handler: handler, mailbox: mailbox, connectionCounter: openConnections)
        boundPort.store(loop.port, ordering: .releasing)
        running.enter()
        do {
            try DetachedThread.spawn { [running] in
                // The loop wakes for every token it streams and sleeps in between, while the compute threads keep
                // every core busy: a woken loop waited up to a whole default slice (1.4 ms here) for a core, so a
                // whole short completion reached the client at once (Benchmarks/README.md, "Serving latency").
                _ = ck_request_time_slice(100_000)
                loop.run()
                running.leave()
            }
        } catch {
            running.leave()
            throw UVError(code: -error.code, operation: "pthread_create")
        }
    }

    /// Starts a graceful shutdown from any thread: stop accepting, let in-flight responses finish
    /// (up to `drainTimeout`), then end the loop. `wait` returns after that.
    public func stop() {
        mailbox.post(.shutdown)
    }

    /// Blocks until the loop thread has finished.
    public func wait() {
        running.wait()
    }

    /// Blocks until the loop thread has finished or `timeout` passed; true if it finished.
    public func wait(timeout: Duration) -> Bool {
        let nanoseconds = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        return running.wait(timeout: .now() + .nanoseconds(Int(nanoseconds))) == .success
    }
}

/// The loop thread counts, any thread reads.
final class ConnectionCounter: Sendable {
    private let count = Atomic<Int>(0)

    var value: Int { count.load(ordering: .relaxed) }

    func add(_ delta: Int) {
        count.add(delta, ordering: .relaxed)
    }
}
