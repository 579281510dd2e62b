import CLibUV

/// Helpers shared by the libuv wrappers. Ownership rule for every handle: `data` holds a retained
/// reference to the Swift object that owns it; `close` hands the handle to `uv_close`, whose callback
/// releases that reference and frees the handle's memory. So an owner lives exactly as long as its
/// handle, and callbacks that libuv still delivers during close (cancelled writes) find it alive.
enum UV {
    /// Every libuv return code goes through here.
    static func check(_ result: Int32, _ operation: @autoclosure () -> String) throws(UVError) {
        guard result >= 0 else { throw UVError(code: result, operation: operation()) }
    }

    static func handle<Handle>(_ pointer: UnsafeMutablePointer<Handle>) -> UnsafeMutablePointer<uv_handle_t> {
        UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: uv_handle_t.self)
    }

    static func stream<Handle>(_ pointer: UnsafeMutablePointer<Handle>) -> UnsafeMutablePointer<uv_stream_t> {
        UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: uv_stream_t.self)
    }

    /// Allocates a handle, runs its `uv_*_init`, and ties `owner` to it.
    static func makeHandle<Handle>(
        owner: AnyObject, operation: String, initialize: (UnsafeMutablePointer<Handle>) -> Int32
    ) throws(UVError) -> UnsafeMutablePointer<Handle> {
        let pointer = UnsafeMutablePointer<Handle>.allocate(capacity: 1)
        UnsafeMutableRawPointer(pointer).initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<Handle>.size)
        do {
            try check(initialize(pointer), operation)
        } catch {
            // an init that failed registered nothing with the loop, so plain free is right
            pointer.deallocate()
            throw error
        }
        handle(pointer).pointee.data = Unmanaged.passRetained(owner).toOpaque()
        return pointer
    }

    /// The Swift owner stored in a handle's or request's `data` (the first field of both).
    static func owner<Owner: AnyObject, Handle>(of pointer: UnsafeMutablePointer<Handle>?, as: Owner.Type) -> Owner {
        guard let pointer, let data = UnsafeMutableRawPointer(pointer).load(as: UnsafeMutableRawPointer?.self) else {
            preconditionFailure("libuv callback without an owner")
        }
        return Unmanaged<Owner>.fromOpaque(data).takeUnretainedValue()
    }

    static func close<Handle>(_ pointer: UnsafeMutablePointer<Handle>) {
        let handle = handle(pointer)
        guard uv_is_closing(handle) == 0 else { return }
        uv_close(handle) { handle in
            guard let handle else { return }
            if let data = handle.pointee.data { Unmanaged<AnyObject>.fromOpaque(data).release() }
            UnsafeMutableRawPointer(handle).deallocate()
        }
    }

    /// A libuv millisecond count from a Duration, rounded up so a short timeout never becomes zero.
    static func milliseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        let millis = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return UInt64(max(1, millis))
    }
}
