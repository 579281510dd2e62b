import CLibUV

/// Owns a `uv_loop_t`. Everything on it runs on the thread that calls `run`.
final class UVLoop {
    let pointer: UnsafeMutablePointer<uv_loop_t>

    init() throws(UVError) {
        pointer = .allocate(capacity: 1)
        do {
            try UV.check(uv_loop_init(pointer), "uv_loop_init")
        } catch {
            pointer.deallocate()
            throw error
        }
    }

    /// Runs until no active handle is left.
    func run() {
        uv_run(pointer, UV_RUN_DEFAULT)
    }

    /// Milliseconds of the loop's cached clock.
    var now: UInt64 { uv_now(pointer) }

    deinit {
        // a handle still open here is a bug in the owner's shutdown; close it rather than leak the loop
        if uv_loop_close(pointer) == UV_EBUSY.rawValue {
            uv_walk(pointer, { handle, _ in
                if let handle, uv_is_closing(handle) == 0 { uv_close(handle, nil) }
            }, nil)
            uv_run(pointer, UV_RUN_DEFAULT)
            uv_loop_close(pointer)
        }
        pointer.deallocate()
    }
}
