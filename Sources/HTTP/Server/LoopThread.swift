import CKernels
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
            // The loop wakes for every token it streams and sleeps in between, while the compute threads keep
            // every core busy: a woken loop waited up to a whole default slice (1.4 ms here) for a core, so a whole
            // short completion reached the client at once (Benchmarks/README.md, "Serving latency").
            _ = ck_request_time_slice(100_000)
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
