/// One of N processes of a sharded teacher pass (`--teacher-shard I/N`): it computes the cache shards s with
/// s % N == I, the same files the single-process pass writes for those sequences, so collecting every
/// process's files in one folder gives that pass's cache byte for byte.
public struct TeacherShard: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1, (0..<count).contains(index) else {
            throw DistillError.invalidOption("--teacher-shard I/N needs 0 <= I < N, got \(index)/\(count)")
        }
        self.index = index
        self.count = count
    }

    /// `I/N`, as on the command line.
    public init(argument: String) throws {
        let parts = argument.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw DistillError.invalidOption("--teacher-shard expects I/N such as 0/4, got '\(argument)'")
        }
        try self.init(index: index, count: count)
    }

    public func owns(cacheShard shard: Int) -> Bool { shard % count == index }

    public var description: String { "\(index)/\(count)" }
}

/// What one process of a sharded teacher pass did.
public struct TeacherShardReport: Sendable, Equatable {
    public var shard: TeacherShard
    public var directory: String
    /// The cache shards this process owns, and how many of them it found already complete.
    public var cacheShards: [Int]
    public var reusedShards: Int
    /// Shards of the whole cache, and the sequences they hold.
    public var totalCacheShards: Int
    public var sequences: Int
}
