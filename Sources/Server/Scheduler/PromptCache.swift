import Engine

/// KV caches of finished sequences kept beyond the slots, as llama-server's `--cache-ram` keeps them: a request
/// whose prompt starts like one of them takes that cache into its slot, so a prompt that comes back (a system
/// prompt, few-shot examples, a retried request) is prefilled once. Bounded by an estimate of the memory the
/// parked caches have written; the least recently used go first. Engine thread only.
struct PromptCache {
    struct Entry {
        var state: any ModelState
        var config: ModelConfig
        var prefix: CachedPrefix
        var lastUsed: UInt64
        var bytes: Int
    }

    let capacityBytes: Int
    private(set) var entries: [Entry] = []
    private(set) var bytes = 0

    init(capacityBytes: Int) {
        self.capacityBytes = max(0, capacityBytes)
    }

    var isEnabled: Bool { capacityBytes > 0 }

    /// What a parked cache of `positions` positions of `config` occupies: f16 keys and values of every layer,
    /// plus a one-row workspace and page rounding.
    static func estimatedBytes(positions: Int, config: ModelConfig) -> Int {
        positions * config.layerCount * 2 * config.kvLength * MemoryLayout<Float16>.size + 64 << 10
    }

    /// The entry that gives `prompt` of `model` the longest cached prefix, if longer than `minimum`.
    func bestEntry(for prompt: [Int32], model: LoadedModel, longerThan minimum: Int) -> (index: Int, shared: Int)? {
        var best: (index: Int, shared: Int)?
        for (i, entry) in entries.enumerated() where entry.config == model.config {
            let shared = entry.prefix.reusableLength(of: prompt, for: model)
            if shared > (best?.shared ?? minimum) { best = (i, shared) }
        }
        return best
    }

    /// Takes entry `index` out of the cache.
    mutating func take(_ index: Int) -> Entry {
        bytes -= entries[index].bytes
        return entries.remove(at: index)
    }

    /// Parks a state whose first `prefix.tokens.count` positions hold `prefix`, then evicts the least recently
    /// used entries until the cache fits its budget (possibly this one, if it alone is too big).
    mutating func park(state: any ModelState, config: ModelConfig, prefix: CachedPrefix, at time: UInt64) {
        guard isEnabled, !prefix.tokens.isEmpty else { return }
        let size = Self.estimatedBytes(positions: prefix.highWater, config: config)
        entries.append(Entry(state: state, config: config, prefix: prefix, lastUsed: time, bytes: size))
        bytes += size
        while bytes > capacityBytes, let oldest = entries.indices.min(by: { entries[$0].lastUsed < entries[$1].lastUsed }) {
            _ = take(oldest)
        }
    }

    /// Drops entries of any model but `current` (after a swap their caches can serve no one).
    mutating func keepOnly(_ current: LoadedModel?) {
        guard let current else { return removeAll() }
        for i in entries.indices.reversed() where !entries[i].prefix.belongs(to: current) { _ = take(i) }
    }

    mutating func removeAll() {
        entries.removeAll()
        bytes = 0
    }
}
