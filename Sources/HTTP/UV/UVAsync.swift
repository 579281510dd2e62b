import CLibUV

/// A `uv_async_t`: the one libuv call that is safe from any thread is `send`.
final class UVAsync {
    private var handle: UnsafeMutablePointer<uv_async_t>!
    private var onWake: (() -> Void)?

    init(loop: UVLoop, onWake: @escaping () -> Void) throws(UVError) {
        self.onWake = onWake
        handle = try UV.makeHandle(owner: self, operation: "uv_async_init") { async in
            uv_async_init(loop.pointer, async) { UV.owner(of: $0, as: UVAsync.self).onWake?() }
        }
    }

    /// The raw handle for `uv_async_send` from other threads; valid until `close`.
    var sendTarget: AsyncSendTarget { AsyncSendTarget(pointer: handle) }

    func close() {
        onWake = nil
        UV.close(handle)
    }
}

/// Wraps the async handle so other threads can wake the loop. Only `uv_async_send` may touch it, and only
/// while its owner guarantees the handle is open (LoopMailbox checks that under its lock).
struct AsyncSendTarget: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<uv_async_t>

    func send() {
        uv_async_send(pointer)
    }
}
