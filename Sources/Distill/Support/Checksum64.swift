/// A 64-bit checksum over little-endian words (FNV-1a style multiply-xor), fast enough for 100 MB
/// checkpoints. Bytes are gathered into words across `update` calls, so the value depends only on the
/// byte stream, not on how it was split.
struct Checksum64 {
    private var state: UInt64 = 0xCBF2_9CE4_8422_2325
    private var pending: UInt64 = 0
    private var pendingBytes = 0
    private static let prime: UInt64 = 0x0000_0100_0000_01B3

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var i = 0
        while pendingBytes > 0, i < bytes.count { push(bytes[i]); i += 1 }
        while i + 8 <= bytes.count {
            state = (state ^ UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))) &* Self.prime
            i += 8
        }
        while i < bytes.count { push(bytes[i]); i += 1 }
    }

    /// The checksum of everything so far (a final partial word is zero-padded).
    var value: UInt64 {
        pendingBytes == 0 ? state : (state ^ pending) &* Self.prime
    }

    private mutating func push(_ byte: UInt8) {
        pending |= UInt64(byte) << (8 * UInt64(pendingBytes))
        pendingBytes += 1
        if pendingBytes == 8 {
            state = (state ^ pending) &* Self.prime
            pending = 0
            pendingBytes = 0
        }
    }
}
