/// libFuzzer target: the GGUF reader (Sources/GGUF), from the header to the tensor table and its checks.
///
/// Input: the bytes of a file, as an admin might hand one to `/admin/reload`. Properties, for every file
/// the reader accepts:
/// - every tensor lies inside the file, aligned, with as many bytes as its shape and type need, and
///   names and keys are unique;
/// - tensors of a type the reader can dequantize give exactly their element count of floats;
/// - `GGUFWriter` writes the same metadata and tensors back, and reading that gives them again,
///   byte for byte;
/// - a tokenizer built from its metadata (the server builds one from every file it loads) either is
///   refused with a `TokenizerError` or encodes and decodes text with ids inside its vocabulary.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    guard let file = try? GGUFFile(mapped: MappedFile(contents: bytes)) else { return 0 }
    checkLayout(file)
    checkTokenizer(file)
    let writer: GGUFWriter
    do {
        writer = try rewrite(file)
    } catch {
        fatalError("the writer refused what the reader accepted: \(error)")
    }
    let again: GGUFFile
    do {
        again = try GGUFFile(mapped: MappedFile(contents: writer.serialized()))
    } catch {
        fatalError("the rewritten file does not read back: \(error)")
    }
    // the writer puts a non-default general.alignment first, wherever the file had it
    let order = { (keys: [String]) in keys.filter { $0 != "general.alignment" } }
    require(order(again.metadataKeys) == order(file.metadataKeys), "key order \(file.metadataKeys) became \(again.metadataKeys)")
    // compared as bytes: a NaN value is not equal to itself
    for key in file.metadataKeys {
        require(encoded(again.metadata[key]) == encoded(file.metadata[key]), "value of '\(key)' changed")
    }
    require(again.alignment == file.alignment, "alignment \(file.alignment) became \(again.alignment)")
    require(again.tensors.count == file.tensors.count, "tensor count changed")
    for (old, new) in zip(file.tensors, again.tensors) {
        require(old.name == new.name && old.shape == new.shape && old.type == new.type, "\(old) became \(new)")
        require(file.bytes(of: old).elementsEqual(again.bytes(of: new)), "data of '\(old.name)' changed")
    }
    return 0
}

private func encoded(_ value: GGUFValue?) -> [UInt8]? {
    guard let value else { return nil }
    var out = ByteWriter()
    out.putValue(value)
    return out.bytes
}

private func checkLayout(_ file: GGUFFile) {
    require(Set(file.metadataKeys).count == file.metadataKeys.count, "duplicate metadata keys")
    require(Set(file.tensors.map(\.name)).count == file.tensors.count, "duplicate tensor names")
    require(file.dataOffset % file.alignment == 0 || file.tensors.isEmpty, "unaligned data section")
    for info in file.tensors {
        require(info.offset % file.alignment == 0, "'\(info.name)' at unaligned offset \(info.offset)")
        require(file.dataOffset + info.offset + info.byteCount <= file.fileSize, "'\(info.name)' ends past the file")
        require(info.elementCount == info.shape.reduce(1, *), "'\(info.name)' element count")
        require(info.type.byteCount(forElements: info.elementCount) == info.byteCount, "'\(info.name)' byte count")
        require(file.bytes(of: info).count == info.byteCount, "'\(info.name)' data view")
        if let floats = try? file.floats(of: info) {
            require(floats.count == info.elementCount, "'\(info.name)' gave \(floats.count) floats")
        }
    }
}

private func checkTokenizer(_ file: GGUFFile) {
    guard let tokenizer = try? Tokenizer(gguf: file) else { return }
    let text = "def f(x):\n    return x  # <bos>\u{e9}\u{1F600}\t\u{0}"
    for parseSpecial in [false, true] {
        let ids = tokenizer.encode(text, addBOS: true, parseSpecial: parseSpecial)
        require(ids.allSatisfy(tokenizer.isValid), "an id outside the file's vocabulary of \(tokenizer.vocabularySize)")
        _ = tokenizer.decode(ids, renderSpecial: parseSpecial)
    }
}

private func rewrite(_ file: GGUFFile) throws(GGUFError) -> GGUFWriter {
    var writer = GGUFWriter(alignment: file.alignment)
    for key in file.metadataKeys { writer.set(key, file.metadata[key]!) }
    for info in file.tensors {
        try writer.addTensor(name: info.name, shape: info.shape, type: info.type, data: Array(file.bytes(of: info)))
    }
    return writer
}
