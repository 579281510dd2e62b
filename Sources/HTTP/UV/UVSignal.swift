import CLibUV

/// A `uv_signal_t` watching one signal; libuv turns the signal into a callback on the loop thread.
final class UVSignal {
    private var handle: UnsafeMutablePointer<uv_signal_t>!
    private var onSignal: (() -> Void)?

    init(loop: UVLoop, signal: Int32, onSignal: @escaping () -> Void) throws(UVError) {
        self.onSignal = onSignal
        handle = try UV.makeHandle(owner: self, operation: "uv_signal_init") { uv_signal_init(loop.pointer, $0) }
        do {
            try UV.check(uv_signal_start(handle, { handle, _ in
                UV.owner(of: handle, as: UVSignal.self).onSignal?()
            }, signal), "uv_signal_start(\(signal))")
        } catch {
            close()
            throw error
        }
    }

    func close() {
        onSignal = nil
        UV.close(handle)
    }
}
