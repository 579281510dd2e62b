/// libFuzzer target: the server's JSON parser (Sources/Server/JSON/JSONParser.swift).
///
/// Input: any bytes. Properties, for every document the parser accepts:
/// - no value nests deeper than the parser's limit;
/// - written back by the server's `JSONWriter`, it parses to the same value, integers still exact;
/// - that canonical text is a fixed point: parsing and writing it again gives the same bytes;
/// - the same text with whitespace around it parses to the same value, with a trailing byte it fails.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    guard let value = try? JSONParser.parse(input, maxDepth: 16) else { return 0 }
    require(depth(of: value) <= 16, "a document nested \(depth(of: value)) deep got past the limit of 16")

    let canonical = canonicalBytes(value)
    let reparsed: JSONValue
    do {
        reparsed = try JSONParser.parse(canonical, maxDepth: 16)
    } catch {
        fatalError("the writer's text of an accepted document fails to parse: \(error)")
    }
    require(strictlyEqual(reparsed, value), "round trip changed the value")
    require(canonicalBytes(reparsed) == canonical, "the canonical text is not a fixed point")

    let padded = Array(" \n\t".utf8) + input + Array("\r\n ".utf8)
    require((try? JSONParser.parse(padded, maxDepth: 16)).map { strictlyEqual($0, value) } == true,
                 "surrounding whitespace changed the result")
    require((try? JSONParser.parse(input + [UInt8(ascii: "x")], maxDepth: 16)) == nil,
                 "trailing data was accepted")
    return 0
}
