import Foundation

/// How the teacher pass is going, after each sequence.
public struct TeacherPassProgress: Sendable, Equatable {
    public var sequencesDone: Int
    public var sequences: Int
    /// Shards found complete on disk and reused instead of recomputed.
    public var reusedShards: Int
    public var shards: Int
    /// Teacher tokens per second in this run (all teachers' passes counted once per position).
    public var tokensPerSecond: Double
    public var etaSeconds: Double
}

public enum TeacherCacheEvent: Sendable, Equatable {
    /// A shard file that fails verification (cut short by a kill, corrupted); it is recomputed.
    case damagedShard(path: String, reason: String)
    case progress(TeacherPassProgress)
}

/// The teachers' top-k targets for every training sequence, on disk in shards of `sequencesPerShard`
/// sequences (see `CacheShard`), read back as the trainer's data source. Building it reuses every
/// complete shard whose header matches this run, recomputes damaged ones, and refuses to touch a folder
/// holding shards of another run.
public final class TeacherCache: TrainingDataSource {
    public let directory: String
    public let identity: CacheIdentity
    private let shards: [CacheShard.Contents]
    private let sequencesPerShard: Int

    public var sequenceCount: Int { identity.sequences }

    public func sequence(at index: Int) throws -> TrainingSequence {
        guard index >= 0, index < identity.sequences else {
            throw TrainingError.invalidBatch("sequence \(index) is outside the cache's \(identity.sequences)")
        }
        return shards[index / sequencesPerShard].sequence(index % sequencesPerShard)
    }

    static func shardPath(_ directory: String, _ shard: Int) -> String {
        (directory as NSString).appendingPathComponent(String(format: "shard-%05d.bin", shard))
    }

    /// Builds or completes the cache for `sequences` (student ids, T + 1 each) with `teachers`, then opens it.
    static func prepare(
        directory: String, identity: CacheIdentity, sequences: [[Int32]], teachers: [any TeacherForward],
        sequencesPerShard: Int, onEvent: (TeacherCacheEvent) -> Void
    ) throws -> TeacherCache {
        let built = try build(directory: directory, identity: identity, sequences: sequences, teachers: teachers,
                              sequencesPerShard: sequencesPerShard, onEvent: onEvent)
        return try open(directory: directory, identity: identity, shardCount: built.totalShards,
                        sequencesPerShard: sequencesPerShard)
    }

    /// Computes the shards of the cache that are missing from `directory`: all of them, or only those `part`
    /// owns. Returns the shards it was responsible for, how many of those were already complete, and the
    /// cache's shard count.
    static func build(
        directory: String, identity: CacheIdentity, sequences: [[Int32]], teachers: [any TeacherForward],
        sequencesPerShard: Int, part: TeacherShard? = nil, onEvent: (TeacherCacheEvent) -> Void
    ) throws -> (shards: [Int], reused: Int, totalShards: Int) {
        precondition(sequences.count == identity.sequences && teachers.count == identity.teachers.count)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let shardCount = (sequences.count + sequencesPerShard - 1) / sequencesPerShard
        let mine = (0..<shardCount).filter { part?.owns(cacheShard: $0) ?? true }
        let valid = try verifyExisting(directory, identity: identity, sequencesPerShard: sequencesPerShard,
                                       owns: { part?.owns(cacheShard: $0) ?? true }, onEvent: onEvent)
            .filter { $0 < shardCount }

        let T = identity.sequenceLength
        func sequenceRange(_ shard: Int) -> Range<Int> {
            (shard * sequencesPerShard)..<min((shard + 1) * sequencesPerShard, sequences.count)
        }
        let clock = ContinuousClock(), start = clock.now
        let toCompute = mine.filter { !valid.contains($0) }
        let total = mine.reduce(0) { $0 + sequenceRange($1).count }
        var done = total - toCompute.reduce(0) { $0 + sequenceRange($1).count }, computed = 0
        func report() {
            let elapsed = (clock.now - start).seconds
            let rate = Double(computed * T) / max(elapsed, 1e-9)
            onEvent(.progress(TeacherPassProgress(
                sequencesDone: done, sequences: total, reusedShards: valid.count, shards: mine.count,
                tokensPerSecond: computed > 0 ? rate : 0,
                etaSeconds: computed > 0 ? Double((total - done) * T) / rate : .nan)))
        }
        report()
        for shard in toCompute {
            let range = sequenceRange(shard)
            var targets = Array(repeating: [TeacherTargets](), count: teachers.count)  // [teacher][sequence]
            for s in range {
                for (t, teacher) in teachers.enumerated() {
                    targets[t].append(try teacher.targets(sequences[s].prefix(T), k: identity.topK,
                                                          temperature: identity.temperature))
                }
                done += 1
                computed += 1
                report()
            }
            let header = CacheShard.Header(identity: identity, shard: shard, firstSequence: range.lowerBound,
                                           sequenceCount: range.count)
            try CacheShard.write(header, tokens: Array(sequences[range]), targets: targets,
                                 to: shardPath(directory, shard))
        }
        return (mine, valid.count, shardCount)
    }

    /// Checks every shard file in the folder that `owns` (shards of other processes of a sharded pass, which
    /// may be writing into the same folder, are left alone): throws on one built for another run, deletes
    /// damaged ones (and temporary files of interrupted writes), and returns the indices of the good ones.
    private static func verifyExisting(_ directory: String, identity: CacheIdentity, sequencesPerShard: Int,
                                       owns: (Int) -> Bool, onEvent: (TeacherCacheEvent) -> Void) throws -> Set<Int> {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var valid = Set<Int>()
        for name in names.sorted() {
            let path = (directory as NSString).appendingPathComponent(name)
            // shard-NNNNN.bin, or shard-NNNNN.bin.tmp-... while it is written
            guard let index = Int(name.dropFirst("shard-".count).prefix(while: \.isNumber)), owns(index) else { continue }
            if name.hasPrefix("shard-"), name.contains(".bin.tmp-") {
                try? FileManager.default.removeItem(atPath: path)
                continue
            }
            guard name.hasPrefix("shard-"), name.hasSuffix(".bin") else { continue }
            do {
                let shard = try CacheShard.read(path)
                if let difference = shard.header.identity.firstDifference(from: identity) {
                    throw DistillError.cacheMismatch(path: directory, field: difference.field, cached: difference.cached,
                                                     requested: difference.requested)
                }
                let h = shard.header
                guard path == shardPath(directory, h.shard), h.firstSequence == h.shard * sequencesPerShard,
                      h.sequenceCount == min(sequencesPerShard, identity.sequences - h.firstSequence) else {
                    throw CacheShard.ReadFailure.damaged("laid out for another shard size")
                }
                valid.insert(h.shard)
            } catch CacheShard.ReadFailure.damaged(let reason) {
                onEvent(.damagedShard(path: path, reason: reason))
                try? FileManager.default.removeItem(atPath: path)
            }
        }
        return valid
    }

    private init(directory: String, identity: CacheIdentity, shards: [CacheShard.Contents], sequencesPerShard: Int) {
        self.directory = directory
        self.identity = identity
        self.shards = shards
        self.sequencesPerShard = sequencesPerShard
    }

    static func open(directory: String, identity: CacheIdentity, shardCount: Int,
                     sequencesPerShard: Int) throws -> TeacherCache {
        let shards = try (0..<shardCount).map { shard in
            do { return try CacheShard.read(shardPath(directory, shard)) } catch {
                throw DistillError.io(path: shardPath(directory, shard), reason: "the shard just written does not verify")
            }
        }
        return TeacherCache(directory: directory, identity: identity, shards: shards,
                            sequencesPerShard: sequencesPerShard)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
