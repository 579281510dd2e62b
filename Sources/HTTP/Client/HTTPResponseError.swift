/// Why a response could not be read as HTTP/1.1.
public enum HTTPResponseError: Error, Equatable, CustomStringConvertible {
    case malformedHead(String)
    case headTooLarge(limit: Int)
    case malformedChunk(String)
    /// The connection closed before the body's framing said it was complete.
    case truncatedBody

    public var description: String {
        switch self {
        case .malformedHead(let why): "malformed response head: \(why)"
        case .headTooLarge(let limit): "response head larger than \(limit) bytes"
        case .malformedChunk(let why): "malformed chunked body: \(why)"
        case .truncatedBody: "connection closed before the end of the response body"
        }
    }
}
