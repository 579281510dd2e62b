import COpenBLAS

/// OpenBLAS's thread count is process-wide. Work that asks for a count gets it for its duration and the
/// previous count back after, so one trainer's setting does not leak into other users of the library.
package enum BLASThreads {
    package static func with<R>(_ threads: Int?, _ body: () throws -> R) rethrows -> R {
        guard let threads else { return try body() }
        let previous = openblas_get_num_threads()
        openblas_set_num_threads(Int32(threads))
        defer { openblas_set_num_threads(previous) }
        return try body()
    }
}
