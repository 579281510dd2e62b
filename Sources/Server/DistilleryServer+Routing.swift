import HTTP

extension DistilleryServer {
    /// On the loop thread: authorization and routing only; the work goes to the worker queue.
    func handle(_ request: HTTPRequest, _ responder: HTTPResponder) {
        let context = RequestContext(request: request, responder: responder, observer: observer)
        let route: Route
        switch Route.match(method: request.method, path: request.path) {
        case .success(let matched):
            route = matched
        case .failure(let error):
            // admin paths are invisible without an admin token; other unknown paths still need the key
            if let refusal = authorizationError(request, admin: Route.isAdminPath(request.path)) {
                context.fail(refusal)
            } else {
                context.fail(error)
            }
            return
        }
        if route == .health {
            health(context)
            return
        }
        if let refusal = authorizationError(request, admin: route.isAdmin) {
            context.fail(refusal)
            return
        }
        workers.async { [self] in
            switch route {
            case .health: health(context)
            case .models: models(context)
            case .completions: completions(context, body: request.body)
            case .metrics: metricsText(context)
            case .tokenize: tokenize(context, body: request.body)
            case .detokenize: detokenize(context, body: request.body)
            case .adminReload: adminReload(context, body: request.body)
            case .adminStatus: adminStatus(context)
            }
        }
    }

    /// nil when the request may proceed.
    private func authorizationError(_ request: HTTPRequest, admin: Bool) -> APIError? {
        if admin {
            guard let adminToken else { return .routeNotFound(request.path) }
            switch adminToken.check(request.headers) {
            case .accepted: return nil
            case .missing: return .unauthorized("The admin routes need 'Authorization: Bearer <admin token>'.")
            case .wrong: return .unauthorized("Incorrect admin token provided.")
            }
        }
        guard let apiKey else { return nil }
        switch apiKey.check(request.headers) {
        case .accepted: return nil
        case .missing: return .unauthorized("You didn't provide an API key. Send 'Authorization: Bearer <key>'.")
        case .wrong: return .unauthorized("Incorrect API key provided.")
        }
    }
}
