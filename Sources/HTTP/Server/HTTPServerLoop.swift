import CLibUV
import Glibc

/// Everything that lives on the loop thread: the listener, the connections, signal watchers, the
/// mailbox's wake-up and the drain timer. Built on the starting thread, then used only by the loop
/// thread (thread creation orders the two), which is why `@unchecked Sendable` holds.
final class HTTPServerLoop: @unchecked Sendable {
    let configuration: HTTPServer.Configuration
    let hooks: HTTPServer.Hooks
    let handler: HTTPHandler
    let mailbox: LoopMailbox
    private let connectionCounter: ConnectionCounter
    let loop: UVLoop
    private(set) var port = 0
    var dateCache = HTTPDateCache()
    /// Every read lands here and is consumed before the next one (B = 64 KiB).
    let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)

    private var listener: UVTCP?
    private var wakeup: UVAsync?
    private var signals: [UVSignal] = []
    private var drainTimer: UVTimer?
    private var connections: [UInt64: HTTPConnection] = [:]
    private var nextConnectionID: UInt64 = 0
    private var batch: [LoopMessage] = []
    private var isPumping = false
    private(set) var isDraining = false
    private var hasFinished = false

    init(configuration: HTTPServer.Configuration, hooks: HTTPServer.Hooks, handler: @escaping HTTPHandler,
        mailbox: LoopMailbox, connectionCounter: ConnectionCounter) throws(UVError)
    {
        self.configuration = configuration
        self.hooks = hooks
        self.handler = handler
        self.mailbox = mailbox
        self.connectionCounter = connectionCounter
        loop = try UVLoop()
        let listener = try UVTCP(loop: loop, readBuffer: readBuffer)
        do {
            try listener.bind(host: configuration.host, port: configuration.port)
            port = try listener.localPort()
        } catch {
            listener.close()
            loop.run()  // lets the close callback free the handle before the loop goes
            throw error
        }
        self.listener = listener
        try setUpHandles(listener: listener)
    }

    deinit {
        readBuffer.deallocate()
    }

    private func setUpHandles(listener: UVTCP) throws(UVError) {
        do {
            try listener.listen(backlog: configuration.backlog) { [unowned self] in acceptConnection() }
            let wakeup = try UVAsync(loop: loop) { [unowned self] in pump() }
            self.wakeup = wakeup
            mailbox.open(wakeup: wakeup.sendTarget)
            if configuration.handlesSignals {
                for signal in [SIGINT, SIGTERM] {
                    signals.append(try UVSignal(loop: loop, signal: signal) { [unowned self] in shutdownSignalled() })
                }
                signals.append(try UVSignal(loop: loop, signal: SIGHUP) { [unowned self] in hooks.reload?() })
            }
        } catch {
            closeLoopHandles()
            loop.run()
            throw error
        }
    }

    /// The loop thread's whole life.
    func run() {
        loop.run()
    }

    private func acceptConnection() {
        guard let listener else { return }
        // a failure here (out of descriptors, a client already gone) drops that one client; the server
        // carries on
        guard let client = try? UVTCP(loop: loop, readBuffer: readBuffer) else { return }
        do {
            try listener.accept(client)
            nextConnectionID += 1
            let connection = try HTTPConnection(id: nextConnectionID, tcp: client, server: self)
            connections[connection.id] = connection
            connectionCounter.add(1)
            connection.start()
        } catch {
            client.close()
        }
    }

    /// Drains the mailbox until it stays empty. Runs on wake-ups and after every read, so a response
    /// given synchronously inside the handler goes out in the same loop iteration. Never re-entered:
    /// handlers only enqueue.
    func pump() {
        guard !isPumping else { return }
        isPumping = true
        defer { isPumping = false }
        while true {
            mailbox.takeAll(into: &batch)
            if batch.isEmpty { return }
            for message in batch {
                switch message {
                case .responder(let exchange, let command):
                    connections[exchange.connection]?.handle(command, forRequest: exchange.request)
                case .shutdown:
                    beginDraining()
                }
            }
            batch.removeAll(keepingCapacity: true)
        }
    }

    func connectionClosed(_ connection: HTTPConnection) {
        if connections.removeValue(forKey: connection.id) != nil { connectionCounter.add(-1) }
        finishIfDrained()
    }

    private func shutdownSignalled() {
        // a second Ctrl-C means "now"
        if isDraining { forceCloseConnections() } else { beginDraining() }
    }

    private func beginDraining() {
        guard !isDraining else { return }
        isDraining = true
        hooks.willDrain?()
        listener?.close()
        listener = nil
        for connection in Array(connections.values) { connection.beginDraining() }
        if !connections.isEmpty, let timer = try? UVTimer(loop: loop) {
            drainTimer = timer
            timer.start(after: UV.milliseconds(configuration.drainTimeout)) { [unowned self] in forceCloseConnections() }
        }
        finishIfDrained()
    }

    private func forceCloseConnections() {
        for connection in Array(connections.values) { connection.closeNow() }
        finishIfDrained()
    }

    /// Once draining and the last connection is gone, close every remaining handle so `uv_run` returns.
    private func finishIfDrained() {
        guard isDraining, connections.isEmpty, !hasFinished else { return }
        hasFinished = true
        closeLoopHandles()
    }

    private func closeLoopHandles() {
        mailbox.close()
        wakeup?.close()
        wakeup = nil
        listener?.close()
        listener = nil
        drainTimer?.close()
        drainTimer = nil
        for signal in signals { signal.close() }
        signals.removeAll()
    }
}
