import Dispatch
import Engine
import Synchronization
import Tensors

/// Continuous batching on the engine thread. Each step, every slot in decode advances one token and
/// prefilling slots share a budget of prompt tokens; between steps, finished and abandoned sequences
/// leave their slots and waiting ones take them. Other threads only `submit` (DESIGN.md, decision 3).
final class Scheduler: @unchecked Sendable {
    // `@unchecked`: everything below `inbox` and `outstanding` is touched only by the engine thread.
    struct Slot {
        var task: SequenceTask?
        /// A KV cache kept between sequences, also across a swap to a model of the same configuration.
        var state: (any ModelState)?
        var stateConfig: ModelConfig?
        /// What `state` holds, for the next prompt that starts the same way.
        var cache = CachedPrefix()
        /// When the slot last took a sequence: with no cached prefix to match, the least recently used
        /// slot takes the next one, so the caches keep the most recent prompts.
        var lastStarted: UInt64 = 0
    }

    let configuration: SchedulerConfiguration
    let metrics: ServerMetrics
    private let registry: ModelRegistry
    private let inbox = EngineInbox()
    /// Sequences submitted and not yet finished, waiting or in a slot.
    private let outstanding = Atomic<Int>(0)
    private let stopped = DispatchSemaphore(value: 0)
    private enum Life { case idle, running, stopped }
    private let life = Mutex(Life.idle)

    var slots: [Slot]
    private var waiting = TaskQueue()
    private var promptCache: PromptCache
    private var messages: [EngineInbox.Message] = []
    private var isStopping = false
    private var started: UInt64 = 0

    init(configuration: SchedulerConfiguration, metrics: ServerMetrics, registry: ModelRegistry) {
        precondition(configuration.slots > 0 && configuration.prefillChunk > 0 && configuration.queueCapacity >= 0)
        self.configuration = configuration
        self.metrics = metrics
        self.registry = registry
        slots = Array(repeating: Slot(), count: configuration.slots)
        promptCache = PromptCache(capacityBytes: configuration.promptCacheBytes)
    }

    /// The most sequences one request may bring: more could never be admitted.
    var maxSequencesPerRequest: Int { configuration.slots + configuration.queueCapacity }

    func start() throws(DetachedThread.SpawnError) {
        try DetachedThread.spawn { [self] in
            run()
            stopped.signal()
        }
        life.withLock { $0 = .running }
    }

    /// Queues a job's sequences; false when slots and queue cannot take them all (answer 429).
    func submit(_ job: CompletionJob, tasks: [SequenceTask]) -> Bool {
        var current = outstanding.load(ordering: .relaxed)
        while true {
            guard current + tasks.count <= maxSequencesPerRequest else { return false }
            let (exchanged, original) = outstanding.compareExchange(expected: current, desired: current + tasks.count,
                                                                    ordering: .relaxed)
            if exchanged { break }
            current = original
        }
        inbox.post(.job(job, tasks))
        return true
    }

    /// Lets admitted work finish, then ends the engine thread; returns when it has. Safe to call more than
    /// once, and before `start`.
    func shutdown() {
        let wasRunning = life.withLock { life in
            defer { if life == .running { life = .stopped } }
            return life == .running
        }
        guard wasRunning else { return }
        inbox.post(.shutdown)
        stopped.wait()
    }

    // MARK: the engine thread

    private func run() {
        while true {
            receiveMessages()
            dropAbandoned()
            admit()
            let active = slots.reduce(0) { $0 + ($1.task == nil ? 0 : 1) }
            metrics.runningSequences.store(active, ordering: .relaxed)
            metrics.waitingSequences.store(waiting.count, ordering: .relaxed)
            if active == 0 {
                if isStopping && waiting.isEmpty { return }
                inbox.waitForMessages()
                continue
            }
            step()
        }
    }

    private func receiveMessages() {
        inbox.takeAll(into: &messages)
        for message in messages {
            switch message {
            case .job(let job, let tasks):
                job.begin()
                for task in tasks { waiting.append(task) }
            case .shutdown:
                isStopping = true
            }
        }
        messages.removeAll(keepingCapacity: true)
    }

    /// Sequences whose job ended (failed, or its client left) leave now, also in the middle of a prompt.
    private func dropAbandoned() {
        for i in slots.indices {
            guard let task = slots[i].task else { continue }
            if task.job.context.isClientDisconnected { task.job.abandon() }
            if task.job.isFinished { release(slot: i) }
        }
        waiting.removeAll { task in
            if task.job.context.isClientDisconnected { task.job.abandon() }
            guard task.job.isFinished else { return false }
            outstanding.add(-1, ordering: .relaxed)
            return true
        }
    }

    private func admit() {
        let current = registry.current
        for i in slots.indices where slots[i].task == nil {
            // KV caches shaped for a swapped-out model are freed rather than kept
            if slots[i].state != nil, slots[i].stateConfig != current?.config {
                slots[i].state = nil
                slots[i].stateConfig = nil
                slots[i].cache = CachedPrefix()
            }
        }
        if !waiting.isEmpty { promptCache.keepOnly(current) }
        while !waiting.isEmpty, let i = slots.firstIndex(where: { $0.task == nil }) {
            let task = waiting.popFirst()!
            guard !task.job.isFinished else {
                outstanding.add(-1, ordering: .relaxed)
                continue
            }
            start(task, in: bestSlot(for: task, firstFree: i))
        }
    }

    /// The free slot whose cache shares the longest prefix with the task's prompt, else the least recently used.
    private func bestSlot(for task: SequenceTask, firstFree: Int) -> Int {
        var best = firstFree
        var bestShared = -1
        for i in slots.indices[firstFree...] where slots[i].task == nil {
            let shared = slots[i].cache.reusableLength(of: task.prompt.tokens, for: task.job.model)
            if shared > bestShared || (shared == bestShared && slots[i].lastStarted < slots[best].lastStarted) {
                (best, bestShared) = (i, shared)
            }
        }
        return best
    }

    private func start(_ task: SequenceTask, in i: Int) {
        let model = task.job.model
        let contextLength = configuration.contextLength(for: model)
        let reusable = slots[i].state.map { slots[i].stateConfig == model.config && model.engine.canReuse($0, contextLength: contextLength) }
        if reusable != true {
            slots[i].state = model.engine.makeState(contextLength: contextLength)
            slots[i].stateConfig = model.config
            slots[i].cache = CachedPrefix()
        }
        started += 1
        // prompt log-probabilities need every prompt position's logits: nothing can be skipped
        let shared = task.wantsPromptLogprobs ? 0 : takeLongestCachedPrefix(for: task, in: i, contextLength: contextLength)
        slots[i].cache.keep(shared, for: model)
        task.prefilled = shared
        metrics.prefixCacheQueries.add(task.prompt.tokens.count, ordering: .relaxed)
        metrics.prefixCacheHits.add(shared, ordering: .relaxed)
        slots[i].lastStarted = started
        slots[i].task = task
        metrics.queueTime.observe(MonotonicClock.seconds(from: task.queuedAt, to: MonotonicClock.now()))
        for token in task.prompt.tokens { task.sampler.accept(token) }
        if task.maxTokens == 0 && !task.wantsPromptLogprobs {
            finish(slot: i, .length)
        }
    }

    /// Gives slot `i` the KV cache, its own or a parked one, that shares the most of the task's prompt, and
    /// parks the slot's cache rather than overwrite a prompt that may come back. Returns the shared length.
    private func takeLongestCachedPrefix(for task: SequenceTask, in i: Int, contextLength: Int) -> Int {
        let model = task.job.model
        let own = slots[i].cache.reusableLength(of: task.prompt.tokens, for: model)
        guard promptCache.isEnabled, model.engine.reusesCachedPrefixes, let state = slots[i].state else { return own }
        if let (index, shared) = promptCache.bestEntry(for: task.prompt.tokens, model: model, longerThan: own) {
            let entry = promptCache.take(index)
            promptCache.park(state: state, config: slots[i].stateConfig!, prefix: slots[i].cache, at: slots[i].lastStarted)
            slots[i].state = entry.state
            slots[i].cache = entry.prefix
            return shared
        }
        // sharing less than half of what the slot holds: keep that for its own return, start on a fresh cache
        if own * 2 < slots[i].cache.tokens.count && slots[i].cache.belongs(to: model) {
            promptCache.park(state: state, config: slots[i].stateConfig!, prefix: slots[i].cache, at: slots[i].lastStarted)
            slots[i].state = model.engine.makeState(contextLength: contextLength)
            slots[i].cache = CachedPrefix()
            return 0
        }
        return own
    }

    /// Ends a sequence: its last text (`text`, then whatever was held back) goes out, and the slot frees.
    func finish(slot i: Int, _ reason: CompletionJob.Finish, after text: CompletionText.Release = CompletionText.Release()) {
        guard let task = slots[i].task else { return }
        var output = task.takeEcho() ?? CompletionText.Release()
        output.append(text)
        output.append(task.text.finish())
        task.job.deliver(choice: task.choice, output, finish: reason)
        release(slot: i)
    }

    func fail(slot i: Int, _ error: InferenceError) {
        guard let task = slots[i].task else { return }
        task.job.fail(.internalError("Inference failed: \(error)."))
        slots[i].cache.clear()
        release(slot: i)
    }

    private func release(slot i: Int) {
        guard slots[i].task != nil else { return }
        slots[i].task = nil
        outstanding.add(-1, ordering: .relaxed)
    }
}
