import Synchronization

/// Which model new requests get, and what the server remembers of the models it has served.
/// A swap is one pointer store under the lock; requests already admitted keep their own lease.
final class ModelRegistry: Sendable {
    private final class WeakModel: Sendable {
        weak let model: LoadedModel?
        init(_ model: LoadedModel) { self.model = model }
    }

    private struct State {
        var current: LoadedModel?
        var swaps = 0
        /// Every version served since start: a request naming a version that was just swapped out is
        /// still served (by the current model) rather than refused.
        var versions: Set<String> = []
        /// Every model loaded, until it is freed.
        var loaded: [WeakModel] = []
    }

    private let state = Mutex(State())

    var current: LoadedModel? { state.withLock { $0.current } }

    var swapCount: Int { state.withLock { $0.swaps } }

    /// Makes `model` the one new requests get; returns the one it replaces.
    @discardableResult
    func install(_ model: LoadedModel) -> LoadedModel? {
        state.withLock { state in
            let previous = state.current
            state.current = model
            if previous != nil { state.swaps += 1 }
            state.versions.insert(model.version)
            state.loaded.removeAll { $0.model == nil }
            state.loaded.append(WeakModel(model))
            return previous
        }
    }

    /// Models still in memory: the current one and any that requests still pin.
    var liveModels: [LoadedModel] {
        state.withLock { state in
            state.loaded.removeAll { $0.model == nil }
            return state.loaded.compactMap(\.model)
        }
    }

    /// Whether a request's `model` field names what this server serves: the current version, name or file,
    /// "distillery", or a version served earlier.
    func accepts(modelName name: String) -> Bool {
        state.withLock { state in
            guard let current = state.current else { return false }
            let file = current.path.split(separator: "/").last.map(String.init)
            return name == current.version || name == current.name || name == file || name == current.path
                || name == "distillery" || state.versions.contains(name)
        }
    }
}
