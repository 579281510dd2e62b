/// Typed reads of a JSON request body's fields; each bad field becomes a 400 naming it.
/// Absent and null fields both mean "use the default", as OpenAI's API treats them.
struct RequestFields {
    let body: JSONValue
    /// Prepended to field names in errors, for nested objects ("eval.").
    private var prefix = ""

    /// The fields of a nested object, named `prefix` + name in errors.
    init(object: JSONValue, prefix: String) {
        body = object
        self.prefix = prefix
    }

    /// Parses `bytes` as a JSON object.
    init(parsing bytes: [UInt8]) throws(APIError) {
        guard !bytes.isEmpty else { throw .invalidJSON("the body is empty") }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw .invalidJSON(error.description)
        }
        guard case .object = value else { throw .invalidRequest("The request body must be a JSON object, not \(value.typeName).") }
        body = value
    }

    func has(_ name: String) -> Bool { body[name].map { !$0.isNull } ?? false }

    func value(_ name: String) -> JSONValue? {
        guard let value = body[name], !value.isNull else { return nil }
        return value
    }

    static func invalid(_ name: String, _ problem: String) -> APIError {
        .invalidRequest("'\(name)' \(problem).", param: name, code: "invalid_value")
    }

    private func invalid(_ name: String, _ problem: String) -> APIError { Self.invalid(prefix + name, problem) }

    func int(_ name: String, range: ClosedRange<Int>) throws(APIError) -> Int? {
        guard let value = value(name) else { return nil }
        guard let number = Self.integer(value) else { throw invalid(name, "must be an integer, not \(value.typeName)") }
        guard let int = Int(exactly: number), range.contains(int) else {
            throw invalid(name, "must be between \(range.lowerBound) and \(range.upperBound), got \(number)")
        }
        return int
    }

    /// Any 64-bit integer, negative ones by their bit pattern (a seed).
    func uint64(_ name: String) throws(APIError) -> UInt64? {
        guard let value = value(name) else { return nil }
        guard let number = Self.integer(value) else { throw invalid(name, "must be an integer, not \(value.typeName)") }
        return UInt64(bitPattern: number)
    }

    func float(_ name: String, range: ClosedRange<Double>, excludingLower: Bool = false) throws(APIError) -> Float? {
        try double(name, range: range, excludingLower: excludingLower).map(Float.init)
    }

    func double(_ name: String, range: ClosedRange<Double>, excludingLower: Bool = false) throws(APIError) -> Double? {
        guard let value = value(name) else { return nil }
        let number: Double
        switch value {
        case .integer(let i): number = Double(i)
        case .double(let d): number = d
        default: throw invalid(name, "must be a number, not \(value.typeName)")
        }
        guard range.contains(number), !(excludingLower && number == range.lowerBound) else {
            let lower = excludingLower ? "(\(range.lowerBound)" : "[\(range.lowerBound)"
            throw invalid(name, "must be in \(lower), \(range.upperBound)], got \(number)")
        }
        return number
    }

    func bool(_ name: String) throws(APIError) -> Bool? {
        guard let value = value(name) else { return nil }
        guard case .bool(let flag) = value else { throw invalid(name, "must be true or false, not \(value.typeName)") }
        return flag
    }

    func string(_ name: String) throws(APIError) -> String? {
        guard let value = value(name) else { return nil }
        guard case .string(let text) = value else { throw invalid(name, "must be a string, not \(value.typeName)") }
        return text
    }

    /// Integers, and doubles with no fractional part (`16.0`), as lenient clients send them.
    static func integer(_ value: JSONValue) -> Int64? {
        switch value {
        case .integer(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9.0e15: return Int64(d)
        default: return nil
        }
    }
}
