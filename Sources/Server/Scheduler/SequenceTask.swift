import Engine

/// One choice of a completion as the scheduler runs it: prompt, sampler, progress, and the text pipeline.
/// Lives on the engine thread.
final class SequenceTask {
    let job: CompletionJob
    /// The choice's `index` in the response.
    let choice: Int
    let prompt: PreparedPrompt
    var sampler: Sampler
    var text: CompletionText
    /// Prompt tokens already in the KV cache.
    var prefilled = 0
    var generatedCount = 0
    /// The newest token: sampled, streamed, not yet in the KV cache.
    var lastToken: Int32 = 0
    var lastTokenAt: UInt64 = 0
    let queuedAt: UInt64
    /// The echoed prompt and its log-probabilities, sent ahead of the first generated text.
    private var echo: CompletionText.Release?

    init(job: CompletionJob, choice: Int, prompt: PreparedPrompt, seed: UInt64) throws(SamplingError) {
        self.job = job
        self.choice = choice
        self.prompt = prompt
        var parameters = job.request.sampling
        parameters.seed = seed
        sampler = try Sampler(parameters)
        text = CompletionText(tokenizer: job.model.tokenizer, stops: job.request.stop,
                              offsetBase: job.request.echo ? prompt.textLength : 0)
        queuedAt = job.context.arrivedAt
        if job.request.echo {
            var echo = CompletionText.Release(text: Array(prompt.text.utf8))
            if wantsPromptLogprobs, let first = prompt.tokenTexts.first {
                echo.tokens.append(LogprobEntry(token: first.text, logprob: nil, top: nil, textOffset: first.offset))
            }
            self.echo = echo
        }
    }

    var isPrefilling: Bool { prefilled < prompt.tokens.count }
    /// Where `lastToken` goes in the cache.
    var position: Int { prompt.tokens.count + generatedCount - 1 }
    var maxTokens: Int { job.request.maxTokens }
    var topLogprobs: Int? { job.request.logprobs }
    /// Echo with log-probabilities scores the prompt too, so prefill keeps every row of logits.
    var wantsPromptLogprobs: Bool { job.request.echo && job.request.logprobs != nil }

    /// Records prompt log-probabilities from a prefill chunk's logits[T, V]: row i predicts token start+i+1.
    func recordPromptLogprobs(_ logits: UnsafeBufferPointer<Float>, start: Int, count: Int, vocabularySize v: Int) {
        guard wantsPromptLogprobs else { return }
        for i in 0..<count where start + i + 1 < prompt.tokens.count {
            let target = start + i + 1
            let row = UnsafeBufferPointer(rebasing: logits[(i * v)..<((i + 1) * v)])
            var entry = LogprobEntry(token: prompt.tokens[target], logits: row, count: topLogprobs ?? 0,
                                     tokenizer: job.model.tokenizer)
            entry.textOffset = prompt.tokenTexts[target].offset
            echo?.tokens.append(entry)
        }
    }

    /// What goes out with the first release: the echo, once.
    func takeEcho() -> CompletionText.Release? {
        defer { echo = nil }
        return echo
    }
}
