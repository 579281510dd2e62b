/// The tokens whose keys and values a slot's KV cache holds (positions 0..<tokens.count), and the model that
/// computed them. A prompt that begins the same way starts its prefill after the shared part, as llama.cpp's
/// prompt cache and vLLM's prefix caching do. Only engines whose prefill and decode compute the same bits
/// whatever the batch take part (`LanguageModel.reusesCachedPrefixes`), and only positions holding what a
/// prompt's prefill writes there (`LanguageModel.promptPrefillPositions`), so a reused prefix gives exactly the
/// completion an empty slot gives.
struct CachedPrefix {
    private(set) var tokens: [Int32] = []
    /// The leading positions whose keys and values are a prompt row's; the first refined logit row ends them.
    private(set) var promptLikeCount = 0
    /// The most positions ever written into this state: what its memory holds, whatever is still valid.
    private(set) var highWater = 0
    /// Weak: a swapped-out model is freed with its last request, not kept alive by a slot's memory of it
    /// (and a new model at the old one's address is never taken for it).
    private weak var model: LoadedModel?

    /// How many leading tokens of `prompt` the cache supplies for `model`: at most all but the last, which
    /// must still run to give the first token's logits.
    func reusableLength(of prompt: [Int32], for model: LoadedModel) -> Int {
        guard model === self.model, model.engine.reusesCachedPrefixes else { return 0 }
        let limit = min(promptLikeCount, prompt.count - 1)
        var shared = 0
        while shared < limit && tokens[shared] == prompt[shared] { shared += 1 }
        return shared
    }

    /// A new sequence of `model` keeps the first `count` cached tokens; it overwrites the positions after them.
    mutating func keep(_ count: Int, for model: LoadedModel) {
        if model !== self.model {
            tokens.removeAll(keepingCapacity: true)
            self.model = model
        }
        tokens.removeSubrange(min(count, tokens.count)...)
        promptLikeCount = min(promptLikeCount, tokens.count)
    }

    /// Keys and values for `newTokens` were written at `position...`, the first `promptLike` of them (all when
    /// nil) as a prompt's prefill writes them.
    mutating func record(_ newTokens: some Collection<Int32>, at position: Int, promptLike: Int? = nil) {
        guard position == tokens.count else {
            // not a continuation of what is cached: trust nothing beyond the write
            clear()
            return
        }
        if promptLikeCount == tokens.count { promptLikeCount += promptLike ?? newTokens.count }
        tokens.append(contentsOf: newTokens)
        highWater = max(highWater, tokens.count)
    }

    func belongs(to model: LoadedModel) -> Bool { model === self.model && !tokens.isEmpty }

    /// The cache's contents are unknown (a failed step); a new state starts from `CachedPrefix()`.
    mutating func clear() {
        tokens.removeAll(keepingCapacity: true)
        promptLikeCount = 0
        model = nil
    }
}
