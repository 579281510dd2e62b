/// How the engine thread batches sequences.
public struct SchedulerConfiguration: Sendable, Equatable {
    /// Sequences that decode together (`--slots`).
    public var slots = 8
    /// Positions per slot (`--ctx`); nil: the model's trained context. Never more than that.
    public var contextLength: Int?
    /// Prompt tokens processed per step across all slots, so a long prompt only delays others' next
    /// tokens by one chunk. With nothing decoding, a prompt gets four times as many.
    public var prefillChunk = 64
    /// Sequences that may wait for a slot; beyond that, requests get 429.
    public var queueCapacity = 64
    /// Memory for KV caches of finished sequences kept for prompts that come back (`--prompt-cache-mb`); 0: none.
    public var promptCacheBytes = 256 << 20

    public init(slots: Int = 8, contextLength: Int? = nil, prefillChunk: Int = 64, queueCapacity: Int = 64,
                promptCacheBytes: Int = 256 << 20) {
        self.slots = slots
        self.contextLength = contextLength
        self.prefillChunk = prefillChunk
        self.queueCapacity = queueCapacity
        self.promptCacheBytes = promptCacheBytes
    }

    /// The context a slot gives sequences of `model`.
    func contextLength(for model: LoadedModel) -> Int {
        min(contextLength ?? model.config.contextLength, model.config.contextLength)
    }
}
