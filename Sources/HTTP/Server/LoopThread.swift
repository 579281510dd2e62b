import Glibc

/// Starts the loop's dedicated OS thread. Plain pthreads keep the HTTP target free of Foundation.
enum LoopThread {
    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    static func spawn(_ run: @escaping @Sendable () -> Void) throws(UVError) {
        let body = Unmanaged.passRetained(Body(run)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { context in
            let body = Unmanaged<Body>.fromOpaque(context!).takeRetainedValue()
            body.run()
            return nil
        }, body)
        guard result == 0 else {
            Unmanaged<Body>.fromOpaque(body).release()
            throw UVError(code: -result, operation: "pthread_create")
        }
        pthread_detach(thread)
    }
}
