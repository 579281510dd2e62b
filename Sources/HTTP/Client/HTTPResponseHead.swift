/// The status line and headers of a response. Header names are lower-cased.
public struct HTTPResponseHead: Equatable {
    public var status: Int
    public var headers: [(name: String, value: String)]

    public init(status: Int, headers: [(name: String, value: String)]) {
        self.status = status
        self.headers = headers
    }

    /// `name` in lower case.
    public func header(_ name: String) -> String? {
        headers.first { $0.name == name }?.value
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.status == rhs.status && lhs.headers.elementsEqual(rhs.headers) { $0 == $1 }
    }
}
