/// Byte classes of RFC 9110 §5.6 used by the parser and the header lookups.
enum ASCII {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let semicolon: UInt8 = 0x3B

    @inline(__always)
    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte &- 0x41 < 26 ? byte | 0x20 : byte
    }

    /// tchar: the characters of a method or a field name.
    static func isTokenChar(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true  // DIGIT / ALPHA
        case 0x21, 0x23...0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E: true  // !#$%&'*+-.^_`|~
        default: false
        }
    }

    /// Visible ASCII, the characters of a request-target.
    static func isVisible(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte < 0x7F
    }

    /// field-value characters: visible, SP, HTAB and obs-text.
    static func isFieldValueChar(_ byte: UInt8) -> Bool {
        byte >= 0x20 && byte != 0x7F || byte == tab
    }

    /// Bytes that never appear in a request head outside a line ending; seeing one means garbage.
    static func isForbiddenInHead(_ byte: UInt8) -> Bool {
        byte < 0x20 && byte != tab && byte != cr && byte != lf || byte == 0x7F
    }

    static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: Int(byte - 0x30)
        case 0x41...0x46: Int(byte - 0x41 + 10)
        case 0x61...0x66: Int(byte - 0x61 + 10)
        default: nil
        }
    }

    static func decimalValue(_ byte: UInt8) -> Int? {
        byte &- 0x30 < 10 ? Int(byte - 0x30) : nil
    }
}
