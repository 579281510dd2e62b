import XCTest

@testable import HTTP

/// Feeds `bytes` to a fresh parser in the given slice sizes, collecting every event until the bytes run
/// out or the parser throws.
func parse(
    _ text: String, limits: HTTPParserLimits = HTTPParserLimits(), sliceSizes: some Sequence<Int> = [Int.max]
) -> (events: [HTTPRequestParser.Event], error: HTTPParserError?) {
    parse(Array(text.utf8), limits: limits, sliceSizes: sliceSizes)
}

func parse(
    _ bytes: [UInt8], limits: HTTPParserLimits = HTTPParserLimits(), sliceSizes: some Sequence<Int> = [Int.max]
) -> (events: [HTTPRequestParser.Event], error: HTTPParserError?) {
    var parser = HTTPRequestParser(limits: limits)
    var events: [HTTPRequestParser.Event] = []
    var offset = 0
    var sizes = sliceSizes.makeIterator()
    while offset < bytes.count {
        let size = min(sizes.next() ?? Int.max, bytes.count - offset)
        parser.append(bytes[offset..<offset + size])
        offset += size
        do {
            while let event = try parser.next() { events.append(event) }
        } catch {
            return (events, error)
        }
    }
    return (events, nil)
}

func requests(_ events: [HTTPRequestParser.Event]) -> [HTTPRequest] {
    events.compactMap {
        if case .request(let request) = $0 { return request }
        return nil
    }
}

/// Deterministic slice sizes in 1...maxSize (SplitMix64), so a failing split can be replayed.
struct RandomSlices: Sequence, IteratorProtocol {
    var state: UInt64
    let maxSize: Int

    init(seed: UInt64, maxSize: Int) {
        state = seed
        self.maxSize = maxSize
    }

    mutating func next() -> Int? {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Int(z % UInt64(maxSize)) + 1
    }
}
