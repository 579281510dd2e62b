/// Decodes ids one at a time and hands out only whole characters: when a character's bytes arrive in
/// several byte-fallback tokens, nothing of it is returned until its last byte is in. Everything returned,
/// concatenated with `finish()`, equals `Tokenizer.decode` of all the ids.
public struct StreamingDecoder: Sendable {
    public let tokenizer: Tokenizer
    public let renderSpecial: Bool
    /// The ids continue earlier text, so the first one keeps its leading space (see `Tokenizer.decode`).
    public let isContinuation: Bool
    /// Bytes of a character still missing its continuation bytes; at most 3.
    private var pending: [UInt8] = []
    private var isFirstToken: Bool

    public init(tokenizer: Tokenizer, renderSpecial: Bool = false, isContinuation: Bool = false) {
        self.tokenizer = tokenizer
        self.renderSpecial = renderSpecial
        self.isContinuation = isContinuation
        self.isFirstToken = !isContinuation
    }

    /// The text `id` completes; empty while a character is still incomplete.
    public mutating func append(_ id: Int32) -> String {
        tokenizer.appendPieceBytes(of: id, renderSpecial: renderSpecial,
                                   stripLeadingSpace: isFirstToken && tokenizer.addsSpacePrefix, to: &pending)
        isFirstToken = false
        let complete = UTF8Tail.completePrefixLength(of: pending)
        guard complete > 0 else { return "" }
        let text = String(decoding: pending[..<complete], as: UTF8.self)
        pending.removeFirst(complete)
        return text
    }

    /// Whatever is held back, with an unfinished character as U+FFFD; the decoder can then be reused.
    public mutating func finish() -> String {
        defer {
            pending.removeAll()
            isFirstToken = !isContinuation
        }
        return String(decoding: pending, as: UTF8.self)
    }

    /// True while bytes of an unfinished character are held back.
    public var hasPendingBytes: Bool { !pending.isEmpty }
}

/// Where a byte string can be cut without splitting a character.
enum UTF8Tail {
    /// The length of `bytes` minus a trailing incomplete-but-valid-so-far UTF-8 sequence. Ill-formed bytes
    /// are not held back: a decoder turns them into U+FFFD wherever the string is cut, because a held-back
    /// tail always starts with a lead byte, which ends any ill-formed sequence before it.
    static func completePrefixLength(of bytes: [UInt8]) -> Int {
        let count = bytes.count
        // The last lead byte among the final three bytes, if the bytes after it are all continuations.
        var leadIndex = count - 1
        while leadIndex >= 0 && leadIndex >= count - 3 && isContinuation(bytes[leadIndex]) { leadIndex -= 1 }
        guard leadIndex >= 0, leadIndex >= count - 3 else { return count }
        let needed = sequenceLength(lead: bytes[leadIndex])
        let have = count - leadIndex
        guard needed > have else { return count }
        // The second byte of E0, ED, F0 and F4 sequences has a narrower range (Unicode table 3-7).
        if have >= 2 && !secondByteRange(lead: bytes[leadIndex]).contains(bytes[leadIndex + 1]) { return count }
        return leadIndex
    }

    private static func isContinuation(_ byte: UInt8) -> Bool { byte & 0xC0 == 0x80 }

    /// 0 for bytes that cannot start a sequence of more than one byte.
    private static func sequenceLength(lead: UInt8) -> Int {
        switch lead {
        case 0xC2...0xDF: 2
        case 0xE0...0xEF: 3
        case 0xF0...0xF4: 4
        default: 0
        }
    }

    private static func secondByteRange(lead: UInt8) -> ClosedRange<UInt8> {
        switch lead {
        case 0xE0: 0xA0...0xBF
        case 0xED: 0x80...0x9F
        case 0xF0: 0x90...0xBF
        case 0xF4: 0x80...0x8F
        default: 0x80...0xBF
        }
    }
}
