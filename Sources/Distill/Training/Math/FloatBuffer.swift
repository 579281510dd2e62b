/// A fixed-size block of floats allocated once and freed with its owner, like llm.c's `params_memory`:
/// layers work on raw pointers into it, so the hot loops never touch Swift's copy-on-write arrays.
package final class FloatBuffer {
    package let base: UnsafeMutablePointer<Float>
    package let count: Int

    package init(count: Int) {
        self.count = count
        base = .allocate(capacity: max(count, 1))
        base.initialize(repeating: 0, count: max(count, 1))
    }

    package convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { base.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { base.deallocate() }

    package var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: base, count: count) }
    package var array: [Float] { Array(buffer) }

    package subscript(index: Int) -> Float {
        get { base[index] }
        set { base[index] = newValue }
    }

    package func zero() { base.update(repeating: 0, count: count) }

    package func copy(from other: FloatBuffer) {
        precondition(other.count == count, "FloatBuffer copy between different sizes")
        base.update(from: other.base, count: count)
    }
}
