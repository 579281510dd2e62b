import HTTP

/// Anything that can reach a client as an error: an HTTP status with OpenAI's error object.
public protocol APIErrorConvertible: Error {
    var apiError: APIError { get }
}

/// OpenAI's error shape, `{"error": {"message", "type", "param", "code"}}`, with the status it goes out with.
public struct APIError: APIErrorConvertible, Sendable, Equatable, CustomStringConvertible {
    public var status: HTTPStatus
    public var message: String
    /// OpenAI's `type`: invalid_request_error, authentication_error, not_found_error, rate_limit_error, server_error…
    public var type: String
    /// The request field at fault, if one is.
    public var param: String?
    public var code: String?
    /// Extra response fields such as `Retry-After`, `Allow` or `WWW-Authenticate`.
    public var headers: HTTPHeaders

    public init(status: HTTPStatus, message: String, type: String, param: String? = nil, code: String? = nil,
                headers: HTTPHeaders = [:]) {
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.headers = headers
    }

    public var apiError: APIError { self }
    public var description: String { "\(status.code) \(type): \(message)" }

    /// The bare error object, as a stream's error event carries it.
    package var json: [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        json.key("error")
        json.beginObject()
        json.field("message", message)
        json.field("type", type)
        json.field("param", param)
        json.field("code", code)
        json.endObject()
        json.endObject()
        return json.bytes
    }

    public var response: HTTPResponse {
        var all: HTTPHeaders = ["Content-Type": "application/json"]
        for field in headers { all.replaceOrAdd(name: field.name, value: field.value) }
        return HTTPResponse(status: status, headers: all, body: json)
    }
}

extension APIError {
    public static func invalidRequest(_ message: String, param: String? = nil, code: String? = nil) -> APIError {
        APIError(status: .badRequest, message: message, type: "invalid_request_error", param: param, code: code)
    }

    static func invalidJSON(_ reason: String) -> APIError {
        invalidRequest("The request body is not valid JSON: \(reason).", code: "invalid_json")
    }

    static func unauthorized(_ message: String) -> APIError {
        APIError(status: .unauthorized, message: message, type: "authentication_error", code: "invalid_api_key",
                 headers: ["WWW-Authenticate": "Bearer"])
    }

    static func notFound(_ message: String, code: String = "not_found") -> APIError {
        APIError(status: .notFound, message: message, type: "not_found_error", code: code)
    }

    static func routeNotFound(_ path: String) -> APIError {
        notFound("No route for \(path). See GET /v1/models, POST /v1/completions.", code: "unknown_url")
    }

    static func methodNotAllowed(_ method: String, path: String, allowed: [String]) -> APIError {
        APIError(status: .methodNotAllowed, message: "\(method) is not allowed on \(path); use \(allowed.joined(separator: " or ")).",
                 type: "invalid_request_error", code: "method_not_allowed", headers: ["Allow": allowed.joined(separator: ", ")])
    }

    static func queueFull(retryAfterSeconds: Int) -> APIError {
        APIError(status: .tooManyRequests, message: "The server is at capacity (every slot busy and the queue full); retry shortly.",
                 type: "rate_limit_error", code: "queue_full", headers: ["Retry-After": String(retryAfterSeconds)])
    }

    static func unavailable(_ message: String, code: String, retryAfterSeconds: Int? = 1) -> APIError {
        APIError(status: .serviceUnavailable, message: message, type: "server_error", code: code,
                 headers: retryAfterSeconds.map { ["Retry-After": String($0)] } ?? [:])
    }

    static func internalError(_ message: String) -> APIError {
        APIError(status: .internalServerError, message: message, type: "server_error", code: "internal_error")
    }

    /// The errors the transport answers by itself (garbage, limits, timeouts), in the same shape.
    static func transport(_ status: HTTPStatus, reason: String) -> APIError {
        let type = status.code >= 500 ? "server_error" : "invalid_request_error"
        let code: String = switch status.code {
        case 408: "request_timeout"
        case 413: "body_too_large"
        case 414: "uri_too_long"
        case 431: "headers_too_large"
        case 500: "internal_error"
        default: "malformed_request"
        }
        var error = APIError(status: status, message: "\(status.reasonPhrase): \(reason).", type: type, code: code)
        error.headers = ["Connection": "close"]
        return error
    }
}
