/// Bytes waiting for the socket, in memory we own so their address is stable while libuv writes them.
/// A connection keeps two and swaps them: one in flight, one collecting.
final class OutboundBuffer {
    private var base: UnsafeMutableRawPointer
    private var capacity: Int
    private(set) var count = 0

    /// Memory kept after a flush; a buffer grown past this for one big body is given back.
    private static let retainedCapacity = 64 * 1024

    init(capacity: Int = 4096) {
        self.capacity = capacity
        base = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit {
        base.deallocate()
    }

    var isEmpty: Bool { count == 0 }
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    func removeAll() {
        count = 0
        if capacity > OutboundBuffer.retainedCapacity {
            base.deallocate()
            capacity = OutboundBuffer.retainedCapacity
            base = .allocate(byteCount: capacity, alignment: 16)
        }
    }

    func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        (base + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    func append(_ text: String) {
        var text = text
        text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    func append(byte: UInt8) {
        reserve(1)
        base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    /// Writes `value` in decimal (radix 10) or lowercase hex (radix 16) without building a String.
    func append(_ value: Int, radix: Int) {
        precondition(value >= 0 && (radix == 10 || radix == 16), "non-negative decimal or hex only")
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes hold any Int in either radix
        withUnsafeMutableBytes(of: &scratch) { scratch in
            var remaining = value
            var index = scratch.count
            repeat {
                index -= 1
                let digit = UInt8(remaining % radix)
                scratch[index] = digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10
                remaining /= radix
            } while remaining > 0
            append(UnsafeRawBufferPointer(rebasing: scratch[index...]))
        }
    }

    private func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        var newCapacity = capacity * 2
        while newCapacity < count + extra { newCapacity *= 2 }
        let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        newBase.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }
}
