extension HTTPRequestParser {
    /// `chunk-size [ chunk-ext ]` (RFC 9112 §7.1): hex digits, optionally followed by `;` extensions we
    /// ignore. A zero size ends the body and moves on to the trailer section.
    mutating func parseChunkSize(_ line: Range<Int>) throws(HTTPParserError) {
        let bytes = buffer[line]
        var size = 0
        var digitCount = 0
        var index = bytes.startIndex
        while index < bytes.endIndex, let digit = ASCII.hexValue(bytes[index]) {
            // 15 hex digits cannot overflow Int; anything near that is far over any body limit anyway
            guard digitCount < 15 else { throw .invalidChunk }
            size = size << 4 | digit
            digitCount += 1
            index += 1
        }
        guard digitCount > 0 else { throw .invalidChunk }
        let rest = bytes[index...].drop { $0 == ASCII.space || $0 == ASCII.tab }
        guard rest.isEmpty || rest.first == ASCII.semicolon else { throw .invalidChunk }
        guard rest.allSatisfy(ASCII.isFieldValueChar) else { throw .invalidChunk }
        if size == 0 {
            phase = .trailers
            return
        }
        guard size <= limits.maxBodyBytes - body.count else { throw .bodyTooLarge }
        phase = .chunkData(remaining: size)
    }
}
