/// Every token's text in one byte buffer, and an open-addressing hash table from text to id, so the
/// merge loop looks up byte ranges of the input without building strings.
struct PieceTable: Sendable {
    /// All token texts back to back. [total bytes]
    let bytes: [UInt8]
    /// Token id's text is `bytes[offsets[id]..<offsets[id + 1]]`. [V + 1]
    let offsets: [Int32]
    /// Token ids by hash, -1 where empty; a power of two at least twice V. [S]
    private let slots: [Int32]

    var count: Int { offsets.count - 1 }

    /// Empty texts are renamed "[EMPTY_<id>]", as llama.cpp does; two equal texts are an error.
    init(pieces: [String]) throws(TokenizerError) {
        var bytes: [UInt8] = []
        var offsets: [Int32] = [0]
        bytes.reserveCapacity(pieces.count * 8)
        offsets.reserveCapacity(pieces.count + 1)
        for (id, piece) in pieces.enumerated() {
            if piece.isEmpty { bytes.append(contentsOf: "[EMPTY_\(id)]".utf8) } else { bytes.append(contentsOf: piece.utf8) }
            offsets.append(Int32(bytes.count))
        }
        var capacity = 16
        while capacity < pieces.count * 2 { capacity <<= 1 }
        var slots = Array(repeating: Int32(-1), count: capacity)
        let mask = capacity - 1
        try bytes.withUnsafeBufferPointer { (all) throws(TokenizerError) in
            for id in 0..<pieces.count {
                let start = Int(offsets[id]), length = Int(offsets[id + 1]) - start
                let text = UnsafeBufferPointer(rebasing: all[start..<(start + length)])
                var slot = Self.hash(text) & mask
                while slots[slot] >= 0 {
                    let other = Int(slots[slot])
                    let otherStart = Int(offsets[other])
                    if Int(offsets[other + 1]) - otherStart == length,
                       text.elementsEqual(all[otherStart..<(otherStart + length)]) {
                        throw .duplicateToken(pieces[other], firstID: Int32(other), secondID: Int32(id))
                    }
                    slot = (slot + 1) & mask
                }
                slots[slot] = Int32(id)
            }
        }
        self.bytes = bytes
        self.offsets = offsets
        self.slots = slots
    }

    /// FNV-1a: token texts are short, so a byte-at-a-time hash is cheap enough.
    @inline(__always)
    static func hash(_ text: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    func id(of text: String) -> Int32? {
        var text = text
        let id = text.withUTF8 { utf8 in withLookup { $0.id(of: utf8) } }
        return id >= 0 ? id : nil
    }

    /// Runs `body` with a lookup view of the table that is valid only inside it.
    func withLookup<R>(_ body: (Lookup) -> R) -> R {
        bytes.withUnsafeBufferPointer { bytes in
            offsets.withUnsafeBufferPointer { offsets in
                slots.withUnsafeBufferPointer { slots in
                    body(Lookup(bytes: bytes, offsets: offsets, slots: slots))
                }
            }
        }
    }

    struct Lookup {
        let bytes: UnsafeBufferPointer<UInt8>
        let offsets: UnsafeBufferPointer<Int32>
        let slots: UnsafeBufferPointer<Int32>

        /// The id whose text is exactly `text`, or -1.
        @inline(__always)
        func id(of text: UnsafeBufferPointer<UInt8>) -> Int32 {
            let mask = slots.count - 1
            var slot = PieceTable.hash(text) & mask
            while true {
                let id = slots[slot]
                if id < 0 { return -1 }
                let start = Int(offsets[Int(id)])
                if Int(offsets[Int(id) + 1]) - start == text.count,
                   memoryEqual(text.baseAddress, bytes.baseAddress.map { $0 + start }, text.count) {
                    return id
                }
                slot = (slot + 1) & mask
            }
        }

        @inline(__always)
        private func memoryEqual(_ a: UnsafePointer<UInt8>?, _ b: UnsafePointer<UInt8>?, _ count: Int) -> Bool {
            guard count > 0, let a, let b else { return true }
            for i in 0..<count where a[i] != b[i] { return false }
            return true
        }
    }
}
