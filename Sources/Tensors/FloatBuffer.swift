/// A fixed-size f32 array allocated once and freed with its owner: weights, KV caches, scratch, and the
/// trainer's parameters, gradients and activations (llm.c's `params_memory`). Kernels and layers take its raw
/// pointer, llama2.c style, so the hot loops see no array bounds or copy-on-write.
public final class FloatBuffer: @unchecked Sendable {
    // Weights are written only during loading, before the buffer is shared; scratch buffers belong
    // to one inference state or one trainer, which one thread drives at a time.
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    public init(count: Int) {
        precondition(count >= 0)
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { pointer.deallocate() }

    public var buffer: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: pointer, count: count) }
    public var array: [Float] { Array(buffer) }

    @inlinable
    public subscript(index: Int) -> Float {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }

    public func zero() { pointer.update(repeating: 0, count: count) }

    public func copy(from other: FloatBuffer) {
        precondition(other.count == count, "FloatBuffer copy between different sizes")
        pointer.update(from: other.pointer, count: count)
    }
}
