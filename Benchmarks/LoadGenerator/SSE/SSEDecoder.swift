/// Splits a `text/event-stream` body, fed in arbitrary slices, into events' data (the WHATWG rules this
/// client needs): lines end in LF, CRLF or CR; `data:` lines (one optional space after the colon) of one
/// event are joined with LF; a blank line dispatches the event; comments and other fields are skipped.
struct SSEDecoder {
    /// An event larger than this is a broken stream, not a completion chunk.
    static let maximumEventLength = 1 << 20

    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var previousWasCR = false

    /// The data of every event the bytes completed, in order.
    mutating func decode(_ bytes: [UInt8]) throws(SSEError) -> [[UInt8]] {
        var events: [[UInt8]] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n"), previousWasCR {
                previousWasCR = false
                continue
            }
            previousWasCR = byte == UInt8(ascii: "\r")
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                if let event = endLine() { events.append(event) }
            } else {
                line.append(byte)
                guard line.count + data.count <= Self.maximumEventLength else {
                    throw .eventTooLarge(limit: Self.maximumEventLength)
                }
            }
        }
        return events
    }

    private mutating func endLine() -> [UInt8]? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            guard hasData else { return nil }
            defer {
                data = []
                hasData = false
            }
            return data
        }
        let colon = UInt8(ascii: ":")
        let fieldEnd = line.firstIndex(of: colon) ?? line.count
        guard fieldEnd > 0, line[..<fieldEnd].elementsEqual("data".utf8) else { return nil }
        var valueStart = min(fieldEnd + 1, line.count)
        if valueStart < line.count, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        if hasData { data.append(UInt8(ascii: "\n")) }
        data.append(contentsOf: line[valueStart...])
        hasData = true
        return nil
    }
}

enum SSEError: Error, Equatable, CustomStringConvertible {
    case eventTooLarge(limit: Int)

    var description: String {
        switch self {
        case .eventTooLarge(let limit): "server-sent event larger than \(limit) bytes"
        }
    }
}
