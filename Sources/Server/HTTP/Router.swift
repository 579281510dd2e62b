import HTTP

/// The server's routes. `/health` is always open; `/admin/*` needs the admin token; the rest the API key.
enum Route: Equatable {
    case health, models, completions, metrics, tokenize, detokenize
    case adminReload, adminStatus

    private static let table: [(path: String, methods: [HTTPMethod], route: Route)] = [
        ("/health", [.get, .head], .health),
        ("/v1/models", [.get, .head], .models),
        ("/v1/completions", [.post], .completions),
        ("/metrics", [.get, .head], .metrics),
        ("/tokenize", [.post], .tokenize),
        ("/detokenize", [.post], .detokenize),
        ("/admin/reload", [.post], .adminReload),
        ("/admin/status", [.get, .head], .adminStatus),
    ]

    /// The route for a request, or the 404/405 it deserves.
    static func match(method: HTTPMethod, path: String) -> Result<Route, APIError> {
        // "/v1/models/" and "/v1/models" are the same resource
        let normalized = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        guard let entry = table.first(where: { $0.path == normalized }) else { return .failure(.routeNotFound(path)) }
        guard entry.methods.contains(method) else {
            return .failure(.methodNotAllowed(method.rawValue, path: normalized, allowed: entry.methods.map(\.rawValue)))
        }
        return .success(entry.route)
    }

    var isAdmin: Bool { self == .adminReload || self == .adminStatus }

    static func isAdminPath(_ path: String) -> Bool { path == "/admin" || path.hasPrefix("/admin/") }
}
