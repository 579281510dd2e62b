/// Writes JSON straight into bytes, without Foundation: the engine thread encodes every streamed chunk
/// with it. Commas are placed by the writer; callers only open, name and close.
///
///     var json = JSONWriter()
///     json.beginObject()
///     json.field("text", "hi\n")          // {"text":"hi\n","index":0}
///     json.field("index", 0)
///     json.endObject()
package struct JSONWriter: Sendable {
    package private(set) var bytes: [UInt8]
    private var depth = 0
    /// Bit d set: the container at depth d already holds an item, so the next one needs a comma.
    private var hasItems: UInt64 = 0
    private var afterKey = false

    package init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    package var string: String { String(decoding: bytes, as: UTF8.self) }

    // MARK: structure

    package mutating func beginObject() { open(UInt8(ascii: "{")) }
    package mutating func endObject() { close(UInt8(ascii: "}")) }
    package mutating func beginArray() { open(UInt8(ascii: "[")) }
    package mutating func endArray() { close(UInt8(ascii: "]")) }

    package mutating func key(_ name: String) {
        separate()
        appendQuoted(name)
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    private mutating func open(_ bracket: UInt8) {
        separate()
        precondition(depth < 64, "JSONWriter nests at most 64 levels")
        bytes.append(bracket)
        depth += 1
        hasItems &= ~(1 << UInt64(depth - 1))
    }

    private mutating func close(_ bracket: UInt8) {
        precondition(depth > 0 && !afterKey, "unbalanced JSONWriter")
        bytes.append(bracket)
        depth -= 1
    }

    private mutating func separate() {
        if afterKey {
            afterKey = false
            return
        }
        guard depth > 0 else { return }
        let bit: UInt64 = 1 << UInt64(depth - 1)
        if hasItems & bit != 0 { bytes.append(UInt8(ascii: ",")) } else { hasItems |= bit }
    }

    // MARK: values

    package mutating func value(_ text: String) {
        separate()
        appendQuoted(text)
    }

    /// A string value from UTF-8 bytes (which must be valid UTF-8).
    package mutating func value(utf8 text: some Collection<UInt8>) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        appendEscaped(text)
        bytes.append(UInt8(ascii: "\""))
    }

    package mutating func value(_ number: Int) {
        separate()
        bytes.append(contentsOf: String(number).utf8)
    }

    /// Non-finite numbers have no JSON form; they are written as null.
    package mutating func value(_ number: Float) {
        separate()
        if number.isFinite { bytes.append(contentsOf: number.description.utf8) } else { bytes.append(contentsOf: "null".utf8) }
    }

    package mutating func value(_ number: Double) {
        separate()
        if number.isFinite { bytes.append(contentsOf: number.description.utf8) } else { bytes.append(contentsOf: "null".utf8) }
    }

    package mutating func value(_ flag: Bool) {
        separate()
        bytes.append(contentsOf: (flag ? "true" : "false").utf8)
    }

    package mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
    }

    /// An already encoded JSON value.
    package mutating func raw(_ json: [UInt8]) {
        separate()
        bytes.append(contentsOf: json)
    }

    // MARK: fields

    package mutating func field(_ name: String, _ text: String) { key(name); value(text) }
    package mutating func field(_ name: String, _ number: Int) { key(name); value(number) }
    package mutating func field(_ name: String, _ number: Float) { key(name); value(number) }
    package mutating func field(_ name: String, _ number: Double) { key(name); value(number) }
    package mutating func field(_ name: String, _ flag: Bool) { key(name); value(flag) }
    package mutating func nullField(_ name: String) { key(name); null() }

    package mutating func field(_ name: String, _ text: String?) {
        key(name)
        if let text { value(text) } else { null() }
    }

    // MARK: escaping

    private mutating func appendQuoted(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        appendEscaped(text.utf8)
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendEscaped(_ text: some Collection<UInt8>) {
        for byte in text {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x08: bytes.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0..<0x20, 0x7F:
                bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, Self.hexDigits[Int(byte >> 4)], Self.hexDigits[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
