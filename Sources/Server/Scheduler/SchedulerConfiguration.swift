/// How the engine thread batches sequences.
public struct SchedulerConfiguration: Sendable, Equatable {
    /// Sequences that decode together (`--slots`). 16, as llama-server's `-np 16` that it is measured against:
    /// with 8, the 9th to 16th of 16 concurrent clients waited for a whole completion before their first token
    /// (TTFT p50 857 ms against 583, Benchmarks/README.md). A slot's KV cache is allocated when a sequence
    /// first takes it, so slots no one uses cost nothing.
    public var slots = 16
    /// Positions per slot (`--ctx`); nil: the model's trained context. Never more than that.
    public var contextLength: Int?
    /// Prompt tokens processed per step across all slots, so a long prompt only delays others' next
    /// tokens by one chunk. With nothing decoding, a prompt gets four times as many. 32, not 64: with 16
    /// clients on the bundled student, the steps that carried 64 prompt tokens made the inter-token p99, which
    /// was then level with llama-server's; the time to first token, where the margin was wide, paid for it
    /// (Benchmarks/README.md, "The loop thread starved, and the prompt chunk").
    public var prefillChunk = 32
    /// Sequences that may wait for a slot; beyond that, requests get 429.
    public var queueCapacity = 64
    /// Memory for KV caches of finished sequences kept for prompts that come back (`--prompt-cache-mb`); 0: none.
    public var promptCacheBytes = 256 << 20

    public init(slots: Int = 16, contextLength: Int? = nil, prefillChunk: Int = 32, queueCapacity: Int = 64,
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
