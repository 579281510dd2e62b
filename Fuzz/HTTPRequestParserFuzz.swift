/// libFuzzer target: the HTTP/1.1 request parser (Sources/HTTP/Parser), chunked bodies included.
///
/// Input: one byte that seeds where the stream is cut, then the bytes a client sends. Properties:
/// - the same requests and the same error come out whether the bytes arrive at once or cut anywhere
///   (`expectContinue` legitimately depends on the cut: it is sent only while no body byte has arrived);
/// - no request exceeds the limits (body bytes, header count);
/// - after an error, every later `next()` throws that error, whatever else arrives;
/// - every request parsed, written out again canonically, parses back to an equal request.

/// What one feeding produced: every event in order, then the error that stopped it (if any).
private struct Outcome: Equatable {
    var events: [HTTPRequestParser.Event] = []
    var error: HTTPParserError?
}

private let limits = HTTPParserLimits(maxHeaderBytes: 1024, maxHeaderCount: 12, maxBodyBytes: 4096)

private func drain(_ parser: inout HTTPRequestParser, into outcome: inout Outcome) {
    guard outcome.error == nil else { return }
    do {
        while let event = try parser.next() {
            if event != .expectContinue { outcome.events.append(event) }
        }
    } catch {
        outcome.error = error
    }
}

/// Feeds `bytes` in pieces whose lengths come from `seed` (0: all at once, 1: byte by byte).
private func parse(_ bytes: ArraySlice<UInt8>, seed: UInt8) -> (Outcome, HTTPRequestParser) {
    var parser = HTTPRequestParser(limits: limits)
    var outcome = Outcome()
    var state = UInt32(seed) &* 2_654_435_761
    var start = bytes.startIndex
    while start < bytes.endIndex {
        state = state &* 1_103_515_245 &+ 12345
        let length = seed == 0 ? bytes.count : seed == 1 ? 1 : Int(state >> 16) % 97 + 1
        let end = min(start + length, bytes.endIndex)
        parser.append(bytes[start..<end])
        drain(&parser, into: &outcome)
        start = end
    }
    drain(&parser, into: &outcome)
    return (outcome, parser)
}

/// The request as a client would send it again: the same head, the body framed as the head says.
private func serialize(_ request: HTTPRequest) -> [UInt8] {
    var text = "\(request.method.rawValue) \(request.target) \(request.version)\r\n"
    for field in request.headers { text += "\(field.name): \(field.value)\r\n" }
    text += "\r\n"
    var bytes = Array(text.utf8)
    if request.headers.contains("Transfer-Encoding") {
        var rest = request.body[...]
        while !rest.isEmpty {
            let piece = rest.prefix(100)
            bytes += Array((String(piece.count, radix: 16) + "\r\n").utf8) + piece + Array("\r\n".utf8)
            rest = rest.dropFirst(piece.count)
        }
        bytes += Array("0\r\n\r\n".utf8)
    } else {
        bytes += request.body
    }
    return bytes
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let stream = input.dropFirst()

    let (whole, _) = parse(stream, seed: 0)
    var (cut, parser) = parse(stream, seed: input[0])
    require(cut == whole, "cutting the stream changed the outcome:\n\(cut)\nvs\n\(whole)")

    if let error = whole.error {
        require((400..<600).contains(error.status.code), "\(error) answers \(error.status.code)")
        parser.append([0x0D, 0x0A, 0x47, 0x45, 0x54])
        do {
            _ = try parser.next()
            fatalError("a parser that failed with \(error) parsed on")
        } catch {
            require(error == whole.error, "a later next() threw \(error), not \(whole.error!)")
        }
    }

    for case .request(let request) in whole.events {
        require(request.body.count <= limits.maxBodyBytes, "body of \(request.body.count) bytes over the limit")
        require(request.headers.count <= limits.maxHeaderCount, "\(request.headers.count) header fields over the limit")
        var again = HTTPRequestParser()
        again.append(serialize(request))
        var reparsed = Outcome()
        drain(&again, into: &reparsed)
        require(reparsed.error == nil && reparsed.events == [.request(request)],
                     "\(request) written out again parsed as \(reparsed)")
    }
    return 0
}
