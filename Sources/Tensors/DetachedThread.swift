#if canImport(Glibc)
import Glibc
#endif

/// A dedicated, detached OS thread: the HTTP loop's, the engine's (DESIGN.md, decision 3), a reload's. Plain
/// pthreads, so the modules that start them need neither Foundation nor Dispatch's pool.
package enum DetachedThread {
    package struct SpawnError: Error, CustomStringConvertible {
        package let code: Int32
        package var description: String { "cannot start a thread: \(String(cString: strerror(code)))" }
    }

    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    package static func spawn(_ run: @escaping @Sendable () -> Void) throws(SpawnError) {
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
