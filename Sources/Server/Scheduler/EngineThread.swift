import Glibc

/// The engine's dedicated OS thread (DESIGN.md, decision 3): it owns the slots and runs every forward pass.
enum EngineThread {
    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    struct SpawnError: Error, CustomStringConvertible {
        let code: Int32
        var description: String { "cannot start the engine thread: \(String(cString: strerror(code)))" }
    }

    static func spawn(_ run: @escaping @Sendable () -> Void) throws(SpawnError) {
        let body = Unmanaged.passRetained(Body(run)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { context in
            let body = Unmanaged<Body>.fromOpaque(context!).takeRetainedValue()
            body.run()
            return nil
        }, body)
        guard result == 0 else {
            Unmanaged<Body>.fromOpaque(body).release()
            throw SpawnError(code: result)
        }
        pthread_detach(thread)
    }
}
