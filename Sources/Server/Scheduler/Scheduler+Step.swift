import Engine
import Tensors

extension Scheduler {
    /// One iteration of continuous batching: a token for every decoding slot, then a chunk of prompt for
    /// the prefilling ones, oldest first.
    func step() {
        var decoding: [Int] = []
        var prefilling: [Int] = []
        for i in slots.indices {
            guard let task = slots[i].task else { continue }
            if task.isPrefilling { prefilling.append(i) } else { decoding.append(i) }
        }
        decode(decoding)
        var budget = decoding.isEmpty ? configuration.prefillChunk * 4 : configuration.prefillChunk
        prefilling.sort { slots[$0].task!.queuedAt < slots[$1].task!.queuedAt }
        for i in prefilling where budget > 0 {
            guard let task = slots[i].task else { continue }
            let count = min(task.prompt.tokens.count - task.prefilled, budget)
            budget -= count
            prefill(slot: i, count: count)
        }
    }

    /// Decode steps run model by model: during a swap, slots may hold sequences of two models.
    private func decode(_ indices: [Int]) {
        var groups: [ObjectIdentifier: [Int]] = [:]
        for i in indices { groups[ObjectIdentifier(slots[i].task!.job.model), default: []].append(i) }
        for members in groups.values {
            let engine = slots[members[0]].task!.job.model.engine
            let steps = members.map { i in
                DecodeStep(token: slots[i].task!.lastToken, position: slots[i].task!.position, state: slots[i].state!)
            }
            engine.decode(steps) { k, result in
                switch result {
                case .success(let logits):
                    slots[members[k]].cache.record(CollectionOfOne(steps[k].token), at: steps[k].position,
                                                   promptLike: engine.promptPrefillPositions(written: 1, logitRows: 1))
                    advance(slot: members[k], logits: logits)
                case .failure(let error): fail(slot: members[k], error)
                }
            }
        }
    }

    private func prefill(slot i: Int, count: Int) {
        let task = slots[i].task!
        let engine = task.job.model.engine
        let start = task.prefilled
        let wantsAll = task.wantsPromptLogprobs
        let isLastChunk = start + count == task.prompt.tokens.count
        // a chunk that more prompt follows reads no logits, so its rows are what one whole prefill computes
        let selection: LogitSelection = wantsAll ? .allTokens : isLastChunk ? .lastToken : .none
        let logits: [Float]
        do {
            logits = try engine.forward(tokens: Array(task.prompt.tokens[start..<(start + count)]), startPosition: start,
                                        state: slots[i].state!, logits: selection)
        } catch {
            fail(slot: i, error)
            return
        }
        task.prefilled += count
        let logitRows = wantsAll ? count : isLastChunk ? 1 : 0
        slots[i].cache.record(task.prompt.tokens[start..<(start + count)], at: start,
                              promptLike: engine.promptPrefillPositions(written: count, logitRows: logitRows))
        metrics.promptTokens.add(count, ordering: .relaxed)
        let v = engine.config.vocabularySize
        logits.withUnsafeBufferPointer { all in
            if wantsAll { task.recordPromptLogprobs(all, start: start, count: count, vocabularySize: v) }
            guard !task.isPrefilling else { return }
            if task.maxTokens == 0 {
                finish(slot: i, .length)
            } else {
                advance(slot: i, logits: wantsAll ? UnsafeBufferPointer(rebasing: all[((count - 1) * v)...]) : all)
            }
        }
    }

    /// Samples the next token from `logits` and sends whatever text it completes.
    private func advance(slot i: Int, logits: UnsafeBufferPointer<Float>) {
        let task = slots[i].task!
        let job = task.job
        let now = MonotonicClock.now()
        let token = task.sampler.sample(logits)
        if task.generatedCount > 0 {
            metrics.interTokenLatency.observe(MonotonicClock.seconds(from: task.lastTokenAt, to: now))
        }
        if job.model.stopTokens.contains(token) && !job.request.ignoreEOS {
            finish(slot: i, .stop)
            return
        }
        task.generatedCount += 1
        task.lastToken = token
        task.lastTokenAt = now
        task.sampler.accept(token)
        job.tokenGenerated(choice: task.choice, at: now)
        let entry = task.topLogprobs.map { LogprobEntry(token: token, logits: logits, count: $0, tokenizer: job.model.tokenizer) }
        let (text, stopped) = task.text.append(token, entry: entry)
        if stopped {
            finish(slot: i, .stop, after: text)
        } else if task.generatedCount == task.maxTokens || task.position + 1 >= slots[i].state!.contextLength {
            finish(slot: i, .length, after: text)
        } else {
            var release = task.takeEcho() ?? CompletionText.Release()
            release.append(text)
            if !release.isEmpty { job.deliver(choice: task.choice, release) }
        }
    }
}
