/// Header fields in the order they were sent. Names keep their spelling; every lookup ignores ASCII case
/// (RFC 9110 §5.1). A linear scan beats hashing for the dozen fields a request carries.
public struct HTTPHeaders: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Field = (name: String, value: String)

    private var fields: [Field]

    public init() {
        fields = []
    }

    public init(_ fields: [(String, String)]) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    public var count: Int { fields.count }
    public var isEmpty: Bool { fields.isEmpty }

    public func makeIterator() -> IndexingIterator<[Field]> {
        fields.makeIterator()
    }

    /// The first value of the field called `name`, or nil.
    public subscript(name: String) -> String? {
        fields.first { HTTPHeaders.namesMatch($0.name, name) }?.value
    }

    /// Every value of the field called `name`, in order.
    public func values(named name: String) -> [String] {
        fields.filter { HTTPHeaders.namesMatch($0.name, name) }.map(\.value)
    }

    public func contains(_ name: String) -> Bool {
        fields.contains { HTTPHeaders.namesMatch($0.name, name) }
    }

    /// Whether a comma-separated list field (e.g. `Connection`) holds `token`, ignoring case.
    public func containsToken(_ token: String, inField name: String) -> Bool {
        fields.contains { field in
            HTTPHeaders.namesMatch(field.name, name)
                && field.value.split(separator: ",").contains { HTTPHeaders.namesMatch($0.trimmingOWS(), token) }
        }
    }

    public mutating func add(name: String, value: String) {
        fields.append((name: name, value: value))
    }

    /// Removes every field called `name`, then adds one with `value`.
    public mutating func replaceOrAdd(name: String, value: String) {
        remove(name: name)
        add(name: name, value: value)
    }

    public mutating func remove(name: String) {
        fields.removeAll { HTTPHeaders.namesMatch($0.name, name) }
    }

    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
    }

    static func namesMatch<A: StringProtocol, B: StringProtocol>(_ a: A, _ b: B) -> Bool {
        a.utf8.elementsEqual(b.utf8) { ASCII.lowercased($0) == ASCII.lowercased($1) }
    }
}

extension StringProtocol {
    /// Drops optional whitespace (SP, HTAB) at both ends.
    func trimmingOWS() -> SubSequence {
        var slice = self[...]
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return slice
    }
}
