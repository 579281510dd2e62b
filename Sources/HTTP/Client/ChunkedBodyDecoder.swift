/// Decodes an HTTP/1.1 `Transfer-Encoding: chunked` body fed in arbitrary slices: hex size line (extensions
/// ignored), data, CRLF, ..., a zero-size chunk, optional trailers, and the final empty line.
struct ChunkedBodyDecoder {
    private enum State: Equatable {
        case sizeLine
        case data(remaining: Int)
        case dataTerminator(seenCR: Bool)
        case trailerLine
        case done
    }

    /// A size line longer than this is not a chunk header but garbage.
    static let maximumLineLength = 4096

    private var state = State.sizeLine
    private var line: [UInt8] = []

    var isComplete: Bool { state == .done }

    /// Consumes `bytes`, appending decoded body bytes to `body`; returns how many input bytes were used
    /// (fewer than given only once the body is complete).
    mutating func decode(_ bytes: UnsafeRawBufferPointer, into body: inout [UInt8]) throws(HTTPResponseError) -> Int {
        var index = 0
        while index < bytes.count {
            switch state {
            case .done:
                return index
            case .sizeLine, .trailerLine:
                let byte = bytes[index]
                index += 1
                guard byte == UInt8(ascii: "\n") else {
                    line.append(byte)
                    guard line.count <= Self.maximumLineLength else { throw .malformedChunk("line too long") }
                    continue
                }
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                defer { line.removeAll(keepingCapacity: true) }
                if state == .trailerLine {
                    if line.isEmpty { state = .done }
                    continue
                }
                let size = try Self.chunkSize(line)
                state = size == 0 ? .trailerLine : .data(remaining: size)
            case .data(let remaining):
                let take = min(remaining, bytes.count - index)
                body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index ..< index + take]))
                index += take
                state = remaining == take ? .dataTerminator(seenCR: false) : .data(remaining: remaining - take)
            case .dataTerminator(let seenCR):
                let byte = bytes[index]
                index += 1
                if byte == UInt8(ascii: "\r"), !seenCR {
                    state = .dataTerminator(seenCR: true)
                } else if byte == UInt8(ascii: "\n") {
                    state = .sizeLine
                } else {
                    throw .malformedChunk("chunk data not followed by CRLF")
                }
            }
        }
        return index
    }

    /// The hex size before any `;extension`, spaces and tabs allowed around it.
    private static func chunkSize(_ line: [UInt8]) throws(HTTPResponseError) -> Int {
        var size = 0, digits = 0
        for byte in line.prefix(while: { $0 != UInt8(ascii: ";") }) where byte != 0x20 && byte != 0x09 {
            let value: UInt8
            switch byte {
            case UInt8(ascii: "0") ... UInt8(ascii: "9"): value = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a") ... UInt8(ascii: "f"): value = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A") ... UInt8(ascii: "F"): value = byte - UInt8(ascii: "A") + 10
            default: throw .malformedChunk("bad chunk size line '\(String(decoding: line.prefix(40), as: UTF8.self))'")
            }
            digits += 1
            guard digits <= 15 else { throw .malformedChunk("chunk size has more than 15 hex digits") }
            size = size * 16 + Int(value)
        }
        guard digits > 0 else { throw .malformedChunk("empty chunk size line") }
        return size
    }
}
