import GGUF

/// Everything the cached teacher targets depend on. Every shard's header carries it; a cache is reused
/// only when all of it matches this run, and refused otherwise, so targets of different teachers,
/// vocabularies, k, temperatures or data are never mixed.
public struct CacheIdentity: Codable, Sendable, Equatable {
    /// 4: targets from a Gemma teacher on the int8 engine (`loadTeacherModel`: f16 KV cache, Q8_0 activations),
    /// and the header says what they did with the teacher's probability outside the student's vocabulary
    /// (`outsideVocabulary`); 3: one of the two; 2: its products alone on the int8 kernels, that probability
    /// renormalized away; 1: f32 products.
    public static let currentFormat = 4

    public var format: Int
    /// SHA-256 of each teacher file, in --teacher order (weights are applied later, by the loss).
    public var teachers: [String]
    /// `StudentVocabulary.sha256`: the student's ids and the teacher ids they stand for.
    public var vocabulary: String
    /// nil in caches of format 2 and older, which renormalized.
    public var outsideVocabulary: OutsideVocabularyTargets?
    public var topK: Int
    /// The capture temperature: log-probabilities are of softmax(logits / temperature).
    public var temperature: Float
    /// T: input positions per sequence (each sequence stores T + 1 tokens).
    public var sequenceLength: Int
    public var sequences: Int
    /// SHA-256 of every sequence's tokens (student ids).
    public var data: String

    public init(teachers: [String], vocabulary: String, outsideVocabulary: OutsideVocabularyTargets = .renormalize,
                topK: Int, temperature: Float, sequenceLength: Int, sequences: Int, data: String) {
        format = Self.currentFormat
        self.teachers = teachers
        self.vocabulary = vocabulary
        self.outsideVocabulary = outsideVocabulary
        self.topK = topK
        self.temperature = temperature
        self.sequenceLength = sequenceLength
        self.sequences = sequences
        self.data = data
    }

    /// The digest `data` holds for these sequences.
    public static func dataDigest(_ sequences: [[Int32]]) -> String {
        var hasher = SHA256()
        for sequence in sequences {
            hasher.update(integer: UInt64(sequence.count))
            sequence.withUnsafeBytes { hasher.update($0) }
        }
        return hasher.finalizeHex()
    }

    /// The first field that differs, named for the user, with both values; nil when they match.
    func firstDifference(from requested: CacheIdentity) -> (field: String, cached: String, requested: String)? {
        let fields: [(String, String, String)] = [
            ("format", "\(format)", "\(requested.format)"),
            ("teachers (sha256)", teachers.joined(separator: ", "), requested.teachers.joined(separator: ", ")),
            ("vocabulary sha256", vocabulary, requested.vocabulary),
            ("targets outside the student vocabulary", outsideVocabulary?.rawValue ?? "renormalize",
             requested.outsideVocabulary?.rawValue ?? "renormalize"),
            ("top-k", "\(topK)", "\(requested.topK)"),
            ("capture temperature", "\(temperature)", "\(requested.temperature)"),
            ("sequence length", "\(sequenceLength)", "\(requested.sequenceLength)"),
            ("sequence count", "\(sequences)", "\(requested.sequences)"),
            ("training data sha256", data, requested.data),
        ]
        return fields.first { $0.1 != $0.2 }.map { (field: $0.0, cached: $0.1, requested: $0.2) }
    }
}
