/// Everything the distillation pipeline refuses, named so a CLI can print it as is.
public enum DistillError: Error, Equatable, CustomStringConvertible {
    case io(path: String, reason: String)
    case emptyCorpus(String)
    case invalidOption(String)
    case teacher(path: String, reason: String)
    case teachersDisagree(String)
    case vocabulary(String)
    /// A cache shard built with other settings: never mixed with this run's, never silently replaced.
    case cacheMismatch(path: String, field: String, cached: String, requested: String)
    /// A checkpoint written by a run with other settings.
    case checkpointMismatch(path: String, reason: String)

    public var description: String {
        switch self {
        case .io(let path, let reason): "\(path): \(reason)"
        case .emptyCorpus(let why): "no training text: \(why)"
        case .invalidOption(let why): why
        case .teacher(let path, let reason): "teacher \(path): \(reason)"
        case .teachersDisagree(let why): "the teachers cannot be mixed: \(why)"
        case .vocabulary(let why): "vocabulary: \(why)"
        case .cacheMismatch(let path, let field, let cached, let requested):
            "the teacher cache \(path) was built with \(field) \(cached), this run asks for \(requested); "
                + "it is never mixed with new targets: delete the cache folder or use another --work-dir"
        case .checkpointMismatch(let path, let reason):
            "\(path) belongs to another run: \(reason); delete it or use another --work-dir"
        }
    }
}
