/// Why a request was refused before it reached the application, with the status it is answered with.
/// After any of these the connection is closed: the byte stream can no longer be trusted.
public enum HTTPParserError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidRequestLine
    case invalidMethod
    case invalidRequestTarget
    case unsupportedVersion
    case requestLineTooLong
    case invalidHeader
    case headersTooLarge
    case tooManyHeaders
    case invalidContentLength
    case conflictingFraming
    case unsupportedTransferEncoding
    case invalidChunk
    case bodyTooLarge
    case unsupportedExpectation
    case unexpectedByte(UInt8)

    public var status: HTTPStatus {
        switch self {
        case .unsupportedVersion: .httpVersionNotSupported
        case .requestLineTooLong: .uriTooLong
        case .headersTooLarge, .tooManyHeaders: .requestHeaderFieldsTooLarge
        case .bodyTooLarge: .contentTooLarge
        case .unsupportedTransferEncoding: .notImplemented
        case .unsupportedExpectation: .expectationFailed
        case .invalidRequestLine, .invalidMethod, .invalidRequestTarget, .invalidHeader, .invalidContentLength,
            .conflictingFraming, .invalidChunk, .unexpectedByte:
            .badRequest
        }
    }

    public var description: String {
        switch self {
        case .invalidRequestLine: "malformed request line"
        case .invalidMethod: "malformed method"
        case .invalidRequestTarget: "malformed request target"
        case .unsupportedVersion: "only HTTP/1.0 and HTTP/1.1 are supported"
        case .requestLineTooLong: "request line too long"
        case .invalidHeader: "malformed header field"
        case .headersTooLarge: "header section too large"
        case .tooManyHeaders: "too many header fields"
        case .invalidContentLength: "invalid Content-Length"
        case .conflictingFraming: "Transfer-Encoding with Content-Length, or chunked in HTTP/1.0"
        case .unsupportedTransferEncoding: "only Transfer-Encoding: chunked is supported"
        case .invalidChunk: "malformed chunked body"
        case .bodyTooLarge: "request body too large"
        case .unsupportedExpectation: "only Expect: 100-continue is supported"
        case .unexpectedByte(let byte): "unexpected byte 0x\(String(byte, radix: 16)) in request head"
        }
    }
}
