/// Which loss the student trains on, and its knobs. For the distillation kinds the per-position loss is
///   alpha * T^2 * D(teacher^T, student^T) + (1 - alpha) * CE(next token)
/// (Hinton et al. 2015: the T^2 keeps the soft term's gradient size independent of T), with D:
///   kl   KL(p_teacher || p_student), the default
///   rkl  KL(p_student || p_teacher), mode-seeking (MiniLLM, Gu et al. 2023)
///   jsd  beta KL(p_teacher || m) + (1 - beta) KL(p_student || m), m = beta p_teacher + (1 - beta) p_student
///        (generalized JSD of GKD, Agarwal et al. 2023)
///   ce   no teacher: plain next-token cross-entropy, the baseline
/// D is computed on the teacher's top-k ids plus one tail bucket (see `TeacherTargets`).
public struct DistillationLoss: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case kl, rkl, jsd, ce }

    public var kind: Kind
    public var alpha: Float
    public var temperature: Float
    public var beta: Float
    /// One weight per teacher; several teachers' targets are mixed with these before the loss.
    public var teacherWeights: [Float]

    public init(kind: Kind = .kl, alpha: Float = 0.5, temperature: Float = 1, beta: Float = 0.5,
                teacherWeights: [Float] = [1]) {
        self.kind = kind
        self.alpha = alpha
        self.temperature = temperature
        self.beta = beta
        self.teacherWeights = teacherWeights
    }

    /// Selects the loss by its command-line name (kl, rkl, jsd, ce).
    public init(name: String, alpha: Float = 0.5, temperature: Float = 1, beta: Float = 0.5,
                teacherWeights: [Float] = [1]) throws {
        guard let kind = Kind(rawValue: name.lowercased()) else { throw TrainingError.unknownLoss(name) }
        self.init(kind: kind, alpha: alpha, temperature: temperature, beta: beta, teacherWeights: teacherWeights)
        try validate()
    }

    public var needsTeacher: Bool { kind != .ce }

    public func validate() throws {
        func require(_ condition: Bool, _ why: String) throws {
            if !condition { throw TrainingError.invalidConfiguration(why) }
        }
        try require(alpha >= 0 && alpha <= 1, "alpha must be in [0, 1], got \(alpha)")
        try require(temperature > 0 && temperature.isFinite, "temperature must be positive, got \(temperature)")
        try require(beta > 0 && beta < 1, "jsd beta must be in (0, 1), got \(beta) (use kl or rkl for the ends)")
        try require(!teacherWeights.isEmpty && teacherWeights.allSatisfy { $0 >= 0 && $0.isFinite }
                    && teacherWeights.reduce(0, +) > 0, "teacher weights must be non-negative with a positive sum")
    }
}
