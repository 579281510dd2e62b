import Engine
import Synchronization
import Tokenizer

/// A model as the server serves it: immutable and shared by every request admitted while it was current.
/// A swap replaces the server's pointer to it; the requests that pinned it finish on it, and it is freed
/// with the last of them (DESIGN.md, decision 5).
public final class LoadedModel: Sendable {
    /// The first 12 hex digits of the file's SHA-256: what responses report as `model`.
    public let version: String
    public let path: String
    /// `general.name`, else the file name.
    public let name: String
    public let parameterCount: Int
    /// Seconds since 1970.
    public let loadedAt: Double
    public let config: ModelConfig
    package let engine: any LanguageModel
    package let tokenizer: Tokenizer
    /// Tokens that end a completion (finish reason "stop"): end of sequence and end of generation.
    package let stopTokens: Set<Int32>
    private let leaseCount = Atomic<Int>(0)

    package init(version: String, path: String, name: String, parameterCount: Int, loadedAt: Double,
                 engine: any LanguageModel, tokenizer: Tokenizer) {
        self.version = version
        self.path = path
        self.name = name
        self.parameterCount = parameterCount
        self.loadedAt = loadedAt
        self.config = engine.config
        self.engine = engine
        self.tokenizer = tokenizer
        var stops = tokenizer.endOfGenerationIDs
        if let eos = tokenizer.eosID { stops.insert(eos) }
        if let eos = engine.config.eosTokenID { stops.insert(eos) }
        stopTokens = stops
    }

    /// Requests admitted on this model that have not finished yet.
    public var inFlightRequests: Int { leaseCount.load(ordering: .relaxed) }

    /// Pins the model for one request until the lease is released.
    package func lease() -> ModelLease { ModelLease(self) }

    fileprivate func adjustLeases(_ delta: Int) { leaseCount.add(delta, ordering: .relaxed) }
}

/// One request's hold on a model, counted for `/admin/status`.
package final class ModelLease: Sendable {
    package let model: LoadedModel

    fileprivate init(_ model: LoadedModel) {
        self.model = model
        model.adjustLeases(1)
    }

    deinit { model.adjustLeases(-1) }
}
