import Foundation

/// libFuzzer target: the tokenizer (Sources/Tokenizer) of the bundled student, or of the GGUF file named
/// by FUZZ_TOKENIZER_GGUF.
///
/// Input: one mode byte, then either text bytes (even mode; any bytes, not only UTF-8) or token ids
/// (odd mode; 2 bytes each, spread over the vocabulary and past both its ends). Properties:
/// - encoding gives only ids in the vocabulary, and for valid UTF-8 decoding them gives back the input
///   byte for byte (byte fallback covers whatever no piece does), with or without special-token parsing.
///   Not for invalid UTF-8: as in llama.cpp, spaces become U+2581 before text is cut into characters by
///   lead byte, so a stray lead byte can swallow an escaped space into byte tokens, which decode as
///   U+2581's bytes (the server only tokenizes JSON strings, which are valid UTF-8);
/// - decoding any id list gives the pieces' bytes in order, ids outside the vocabulary giving nothing;
/// - the streaming decoder, fed one id at a time, gives exactly what `decode` gives at once.

private let tokenizer: Tokenizer = {
    let path = ProcessInfo.processInfo.environment["FUZZ_TOKENIZER_GGUF"] ?? "models/python-student.gguf"
    do {
        return try Tokenizer(gguf: try GGUFFile(path: path))
    } catch {
        fatalError("cannot load a tokenizer from \(path) (run from the repository root): \(error)")
    }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    if input[0] % 2 == 0 {
        checkEncode(Array(input.dropFirst()), parseSpecial: input[0] % 4 == 2)
    } else {
        let span = tokenizer.vocabularySize + 16
        let ids = stride(from: 1, to: input.count - 1, by: 2).map { (index: Int) -> Int32 in
            let raw = Int(input[index]) | Int(input[index + 1]) << 8
            return Int32(raw % span - 8)
        }
        checkDecode(ids)
    }
    return 0
}

private func checkEncode(_ bytes: [UInt8], parseSpecial: Bool) {
    let ids = bytes.withUnsafeBufferPointer { tokenizer.encode(utf8: $0, addBOS: false, parseSpecial: parseSpecial) }
    require(ids.allSatisfy(tokenizer.isValid), "an id outside the vocabulary")
    let decoded = tokenizer.decodeBytes(ids, renderSpecial: parseSpecial)
    if String(validating: bytes, as: UTF8.self) != nil {
        require(decoded == bytes, "\(bytes) encoded as \(ids) decodes to \(decoded)")
    }
    checkStreaming(ids, renderSpecial: parseSpecial)
}

private func checkDecode(_ ids: [Int32]) {
    var expected: [UInt8] = []
    for (index, id) in ids.enumerated() where tokenizer.isValid(id) {
        var piece = tokenizer.pieceBytes(for: id)
        if index == 0 && tokenizer.addsSpacePrefix && piece.first == 0x20 { piece.removeFirst() }
        expected += piece
    }
    require(tokenizer.decodeBytes(ids) == expected, "\(ids) did not decode to its pieces")
    checkStreaming(ids, renderSpecial: false)
}

private func checkStreaming(_ ids: [Int32], renderSpecial: Bool) {
    var decoder = tokenizer.makeStreamingDecoder(renderSpecial: renderSpecial)
    var text = ""
    for id in ids { text += decoder.append(id) }
    text += decoder.finish()
    require(text == tokenizer.decode(ids, renderSpecial: renderSpecial), "streaming decode of \(ids) differs")
}
