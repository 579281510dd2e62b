import CLibUV

/// A one-shot `uv_timer_t`.
final class UVTimer {
    private var handle: UnsafeMutablePointer<uv_timer_t>!
    private var onFire: (() -> Void)?

    init(loop: UVLoop) throws(UVError) {
        handle = try UV.makeHandle(owner: self, operation: "uv_timer_init") { uv_timer_init(loop.pointer, $0) }
    }

    /// Fires `onFire` once after `milliseconds`, replacing any pending start.
    func start(after milliseconds: UInt64, _ onFire: @escaping () -> Void) {
        self.onFire = onFire
        let result = uv_timer_start(handle, { UV.owner(of: $0, as: UVTimer.self).fire() }, milliseconds, 0)
        precondition(result == 0, "uv_timer_start on a closed timer")
    }

    func stop() {
        uv_timer_stop(handle)
        onFire = nil
    }

    func close() {
        onFire = nil
        UV.close(handle)
    }

    private func fire() {
        let callback = onFire
        onFire = nil
        callback?()
    }
}
