import HTTP
import Tensors

/// One request as the application answers it, from any thread: the responder, when the request arrived,
/// and the access-log line and status count that its answer produces.
final class RequestContext: Sendable {
    let method: String
    let path: String
    let arrivedAt: UInt64
    let responder: HTTPResponder
    private let observer: RequestObserver

    init(request: HTTPRequest, responder: HTTPResponder, observer: RequestObserver) {
        method = request.method.rawValue
        path = request.path
        arrivedAt = MonotonicClock.now()
        self.responder = responder
        self.observer = observer
    }

    var isClientDisconnected: Bool { responder.isClientDisconnected }

    func respond(_ response: HTTPResponse, details: AccessLogDetails = AccessLogDetails()) {
        responder.respond(response)
        record(status: response.status.code, details: details)
    }

    func respond(json: JSONWriter, headers: HTTPHeaders = [:], details: AccessLogDetails = AccessLogDetails()) {
        var all: HTTPHeaders = ["Content-Type": "application/json"]
        for field in headers { all.replaceOrAdd(name: field.name, value: field.value) }
        respond(HTTPResponse(status: .ok, headers: all, body: json.bytes), details: details)
    }

    func fail(_ error: any APIErrorConvertible, details: AccessLogDetails = AccessLogDetails()) {
        respond(error.apiError.response, details: details)
    }

    func startStream(headers: HTTPHeaders) {
        SSEWriter(responder: responder).start(headers: headers)
    }

    /// False once the client is gone.
    @discardableResult
    func write(_ bytes: [UInt8]) -> Bool { responder.write(bytes) }

    func finishStream(details: AccessLogDetails) {
        responder.finish()
        record(status: 200, details: details)
    }

    private func record(status: Int, details: AccessLogDetails) {
        let disconnected = responder.isClientDisconnected
        observer.record(method: method, path: path, status: disconnected && status < 400 ? 499 : status,
                        duration: MonotonicClock.seconds(from: arrivedAt, to: MonotonicClock.now()),
                        details: details, clientDisconnected: disconnected)
    }
}
