import Engine
import Tensors

/// One training example: T + 1 tokens (the first T are the inputs, the last T the next-token targets) and,
/// for distillation, each teacher's targets at the T input positions.
public struct TrainingSequence: Sendable, Equatable {
    public var tokens: [Int32]  // [T + 1]
    public var teachers: [TeacherTargets]  // each of T positions; several are mixed by the loss's weights

    public init(tokens: [Int32], teachers: [TeacherTargets] = []) {
        self.tokens = tokens
        self.teachers = teachers
    }
}

/// Where the trainer reads its examples; the teacher logits cache will conform to this.
public protocol TrainingDataSource {
    var sequenceCount: Int { get }
    func sequence(at index: Int) throws -> TrainingSequence
}

/// Examples held in memory (tests, small corpora).
public struct InMemoryTrainingData: TrainingDataSource, Sendable {
    public let sequences: [TrainingSequence]
    public init(_ sequences: [TrainingSequence]) { self.sequences = sequences }
    public var sequenceCount: Int { sequences.count }
    public func sequence(at index: Int) throws -> TrainingSequence { sequences[index] }
}

/// The trainer's place in the data: which epoch, how far into it, and the generator state the epoch's
/// shuffle started from (so a resumed run rebuilds exactly the same order).
struct DataCursor: Codable, Equatable {
    var epoch: Int
    var index: Int
    var epochSeed: [UInt64]  // SeededRandom state at the start of the epoch's shuffle

    /// The visiting order of one epoch: a Fisher-Yates shuffle drawn from epochSeed, or 0..<count.
    func order(count: Int, shuffle: Bool) -> [Int] {
        var order = Array(0..<count)
        guard shuffle else { return order }
        var rng = SeededRandom(state: (epochSeed[0], epochSeed[1], epochSeed[2], epochSeed[3]))
        for i in stride(from: count - 1, to: 0, by: -1) {
            order.swapAt(i, Int(rng.next() % UInt64(i + 1)))
        }
        return order
    }

    /// The next epoch's seed continues the same generator, so every epoch has its own order.
    func nextEpoch() -> DataCursor {
        var rng = SeededRandom(state: (epochSeed[0], epochSeed[1], epochSeed[2], epochSeed[3]))
        _ = rng.next()
        let s = rng.state
        return DataCursor(epoch: epoch + 1, index: 0, epochSeed: [s.0, s.1, s.2, s.3])
    }

    static func start(seed: UInt64) -> DataCursor {
        let s = SeededRandom(seed: seed).state
        return DataCursor(epoch: 0, index: 0, epochSeed: [s.0, s.1, s.2, s.3])
    }
}
