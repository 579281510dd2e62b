/// A byte string per token id, stored back to back: what each id decodes to.
struct PieceBytes: Sendable {
    /// [total bytes]
    let bytes: [UInt8]
    /// Id i's bytes are `bytes[offsets[i]..<offsets[i + 1]]`. [V + 1]
    let offsets: [Int32]

    init(count: Int, _ fill: (Int, inout [UInt8]) -> Void) {
        var bytes: [UInt8] = []
        var offsets: [Int32] = [0]
        offsets.reserveCapacity(count + 1)
        bytes.reserveCapacity(count * 8)
        for id in 0..<count {
            fill(id, &bytes)
            offsets.append(Int32(bytes.count))
        }
        self.bytes = bytes
        self.offsets = offsets
    }

    subscript(id: Int) -> ArraySlice<UInt8> {
        bytes[Int(offsets[id])..<Int(offsets[id + 1])]
    }
}
