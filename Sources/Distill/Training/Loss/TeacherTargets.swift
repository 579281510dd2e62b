/// A teacher's next-token distribution at N positions, compressed to its top K entries plus one tail
/// bucket (Design decision 6): per position, K token ids, their log-probabilities at the distillation
/// temperature, and the probability mass on every other token. Rows with fewer than K real entries
/// pad with id -1 (log-prob ignored). This is what the teacher logits cache stores and the losses read.
public struct TeacherTargets: Sendable, Equatable {
    public let positions: Int  // N
    public let k: Int  // K
    public let temperature: Float
    public let ids: [Int32]  // [N, K], -1 = padding
    public let logprobs: [Float]  // [N, K]
    public let tailMass: [Float]  // [N]

    public static let padding: Int32 = -1

    public init(positions: Int, k: Int, temperature: Float, ids: [Int32], logprobs: [Float], tailMass: [Float]) throws {
        guard positions >= 0, k >= 0 else { throw TrainingError.invalidTeacherTargets("negative size") }
        guard temperature > 0, temperature.isFinite else {
            throw TrainingError.invalidTeacherTargets("temperature must be positive, got \(temperature)")
        }
        guard ids.count == positions * k, logprobs.count == positions * k, tailMass.count == positions else {
            throw TrainingError.invalidTeacherTargets(
                "expected \(positions * k) ids and log-probs and \(positions) tail masses, got \(ids.count), "
                    + "\(logprobs.count) and \(tailMass.count)")
        }
        self.positions = positions
        self.k = k
        self.temperature = temperature
        self.ids = ids
        self.logprobs = logprobs
        self.tailMass = tailMass
        for n in 0..<positions { try validatePosition(n) }
    }

    private func validatePosition(_ n: Int) throws {
        var seen = Set<Int32>()
        for j in 0..<k where ids[n * k + j] != Self.padding {
            let id = ids[n * k + j], lp = logprobs[n * k + j]
            guard id >= 0 else { throw TrainingError.invalidTeacherTargets("position \(n): negative id \(id)") }
            guard seen.insert(id).inserted else {
                throw TrainingError.invalidTeacherTargets("position \(n): id \(id) appears twice")
            }
            guard lp <= 1e-4, !lp.isNaN else {
                throw TrainingError.invalidTeacherTargets("position \(n): log-prob \(lp) of id \(id) is not <= 0")
            }
        }
        let tail = tailMass[n]
        guard tail >= 0, tail <= 1 + 1e-4 else {
            throw TrainingError.invalidTeacherTargets("position \(n): tail mass \(tail) outside [0, 1]")
        }
    }

    /// The largest id, for checking against the student's vocabulary.
    public var maximumId: Int32 { ids.max() ?? Self.padding }

    /// Positions [range] of these targets, e.g. one sequence of a batch.
    public func slice(_ range: Range<Int>) -> TeacherTargets {
        TeacherTargets(
            validPositions: range.count, k: k, temperature: temperature,
            ids: Array(ids[range.lowerBound * k..<range.upperBound * k]),
            logprobs: Array(logprobs[range.lowerBound * k..<range.upperBound * k]),
            tailMass: Array(tailMass[range]))
    }

    /// Stacks several targets position after position, padding every row to the widest K.
    public static func concatenate(_ parts: [TeacherTargets]) throws -> TeacherTargets {
        guard let first = parts.first else { throw TrainingError.invalidTeacherTargets("nothing to concatenate") }
        guard parts.allSatisfy({ $0.temperature == first.temperature }) else {
            throw TrainingError.invalidTeacherTargets("cannot concatenate targets of different temperatures")
        }
        let K = parts.map(\.k).max()!, N = parts.map(\.positions).reduce(0, +)
        var ids = [Int32](repeating: padding, count: N * K), logprobs = [Float](repeating: 0, count: N * K)
        var n = 0
        for part in parts {
            for p in 0..<part.positions {
                for j in 0..<part.k {
                    ids[n * K + j] = part.ids[p * part.k + j]
                    logprobs[n * K + j] = part.logprobs[p * part.k + j]
                }
                n += 1
            }
        }
        return TeacherTargets(validPositions: N, k: K, temperature: first.temperature, ids: ids, logprobs: logprobs,
                              tailMass: parts.flatMap(\.tailMass))
    }

    /// For data built here and already known to be valid (slices, mixtures, top-k of logits).
    init(validPositions positions: Int, k: Int, temperature: Float, ids: [Int32], logprobs: [Float], tailMass: [Float]) {
        self.positions = positions
        self.k = k
        self.temperature = temperature
        self.ids = ids
        self.logprobs = logprobs
        self.tailMass = tailMass
    }
}
