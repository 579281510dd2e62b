/// A bounds-checked little-endian cursor over untrusted bytes: every read checks the end first.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    mutating func require(_ count: Int, _ what: String) throws(GGUFError) {
        guard count >= 0, count <= remaining else { throw .truncated(at: offset, needed: count, what: what) }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: String) throws(GGUFError) -> T {
        try require(MemoryLayout<T>.size, what)
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: value)
    }

    mutating func readFloat(_ what: String) throws(GGUFError) -> Float {
        Float(bitPattern: try read(UInt32.self, what))
    }

    mutating func readDouble(_ what: String) throws(GGUFError) -> Double {
        Double(bitPattern: try read(UInt64.self, what))
    }

    /// A count that must fit what is left of the file at `minBytesEach` bytes per item.
    mutating func readCount(_ what: String, minBytesEach: Int) throws(GGUFError) -> Int {
        let raw = try read(UInt64.self, what)
        guard raw <= UInt64(remaining / max(minBytesEach, 1)) else { throw .absurdCount(what: what, count: raw) }
        return Int(raw)
    }

    mutating func readString(_ what: String) throws(GGUFError) -> String {
        let start = offset
        let length = try readCount("length of \(what)", minBytesEach: 1)
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)])
        guard let string = String(validating: slice.bindMemory(to: UInt8.self), as: UTF8.self) else {
            throw .badString(at: start)
        }
        offset += length
        return string
    }

    mutating func skip(to newOffset: Int, _ what: String) throws(GGUFError) {
        guard newOffset >= offset, newOffset <= bytes.count else {
            throw .truncated(at: offset, needed: newOffset - offset, what: what)
        }
        offset = newOffset
    }
}
