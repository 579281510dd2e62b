import Glibc
import Synchronization
import Tensors

/// Hot swap (DESIGN.md, decision 5): a reload loads and validates the new model on a background thread,
/// then installs it with one pointer swap. One reload runs at a time; the current model keeps serving
/// throughout, and after a refusal.
final class ModelReloader: Sendable {
    /// How a reload ended. Holds versions, not models, so it pins nothing.
    struct Outcome: Sendable {
        var path: String
        var finishedAt: Double
        var seconds: Double
        var result: Result<String, ModelLoadError>
        var previousVersion: String?
    }

    private struct State {
        var inProgress = false
        var last: Outcome?
    }

    private let state = Mutex(State())
    private let registry: ModelRegistry
    private let metrics: ServerMetrics
    private let eventLog: AccessLogSink?

    init(registry: ModelRegistry, metrics: ServerMetrics, eventLog: AccessLogSink?) {
        self.registry = registry
        self.metrics = metrics
        self.eventLog = eventLog
    }

    var isInProgress: Bool { state.withLock { $0.inProgress } }
    var lastOutcome: Outcome? { state.withLock { $0.last } }

    /// Starts loading `path` with `loader`; false (and nothing happens) when a reload is already running.
    /// `completion` runs on the background thread once the model is installed or refused.
    func reload(path: String, loader: ModelLoader, completion: @escaping @Sendable (Outcome, LoadedModel?) -> Void) -> Bool {
        let claimed = state.withLock { state in
            guard !state.inProgress else { return false }
            state.inProgress = true
            return true
        }
        guard claimed else { return false }
        let spawned: Void? = try? DetachedThread.spawn { [self] in
            // a reload reads, dequantizes and hashes a whole model: it yields to the engine and loop threads
            Self.lowerThisThreadsPriority()
            let started = MonotonicClock.now()
            var outcome: Outcome
            var installed: LoadedModel?
            do throws(ModelLoadError) {
                let model = try loader.load(path: path)
                let previous = registry.install(model)
                installed = model
                outcome = Outcome(path: path, finishedAt: 0, seconds: 0, result: .success(model.version), previousVersion: previous?.version)
            } catch {
                metrics.reloadFailures.add(1, ordering: .relaxed)
                outcome = Outcome(path: path, finishedAt: 0, seconds: 0, result: .failure(error),
                                  previousVersion: registry.current?.version)
            }
            outcome.finishedAt = ModelLoader.now()
            outcome.seconds = MonotonicClock.seconds(from: started, to: MonotonicClock.now())
            state.withLock {
                $0.last = outcome
                $0.inProgress = false
            }
            log(outcome)
            completion(outcome, installed)
        }
        if spawned == nil {
            state.withLock { $0.inProgress = false }
            return false
        }
        return true
    }

    /// Nice 10 for the calling thread only (Linux applies `setpriority` to a thread id).
    private static func lowerThisThreadsPriority() {
        var link = [CChar](repeating: 0, count: 64)
        let count = readlink("/proc/thread-self", &link, link.count - 1)
        guard count > 0, let tid = String(decoding: link[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            .split(separator: "/").last.flatMap({ id_t($0) }) else { return }
        setpriority(__priority_which_t(PRIO_PROCESS.rawValue), tid, 10)
    }

    private func log(_ outcome: Outcome) {
        guard let eventLog else { return }
        var json = JSONWriter()
        json.beginObject()
        json.field("time", AccessLog.timestamp(outcome.finishedAt))
        json.field("event", "reload")
        json.field("path", outcome.path)
        switch outcome.result {
        case .success(let version):
            json.field("status", "swapped")
            json.field("version", version)
            json.field("previous_version", outcome.previousVersion)
        case .failure(let error):
            json.field("status", "refused")
            json.field("code", error.code)
            json.field("error", error.description)
            json.field("serving", outcome.previousVersion)
        }
        json.field("seconds", outcome.seconds)
        json.endObject()
        eventLog(json.string)
    }
}
