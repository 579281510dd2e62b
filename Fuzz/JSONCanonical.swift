/// Shared by the JSON fuzz targets: a parsed value written back with the server's `JSONWriter`, and an
/// equality that, unlike `JSONValue.==`, tells an exact integer from a double.
func writeCanonical(_ value: JSONValue, into json: inout JSONWriter) {
    switch value {
    case .null: json.null()
    case .bool(let flag): json.value(flag)
    case .integer(let number): json.raw(Array(String(number).utf8))
    case .double(let number): json.value(number)
    case .string(let text): json.value(text)
    case .array(let items):
        json.beginArray()
        for item in items { writeCanonical(item, into: &json) }
        json.endArray()
    case .object(let members):
        json.beginObject()
        for member in members {
            json.key(member.key)
            writeCanonical(member.value, into: &json)
        }
        json.endObject()
    }
}

func canonicalBytes(_ value: JSONValue) -> [UInt8] {
    var json = JSONWriter()
    writeCanonical(value, into: &json)
    return json.bytes
}

func strictlyEqual(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case (.integer(let x), .integer(let y)): x == y
    case (.double(let x), .double(let y)): x == y && x.sign == y.sign
    case (.array(let x), .array(let y)): x.count == y.count && zip(x, y).allSatisfy(strictlyEqual)
    case (.object(let x), .object(let y)):
        x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && strictlyEqual($0.value, $1.value) }
    case (.integer, _), (.double, _), (_, .integer), (_, .double), (.array, _), (.object, _): false
    default: a == b
    }
}

func depth(of value: JSONValue) -> Int {
    switch value {
    case .array(let items): 1 + (items.map(depth).max() ?? 0)
    case .object(let members): 1 + (members.map { depth(of: $0.value) }.max() ?? 0)
    default: 0
    }
}
