import Synchronization

/// Everything `/metrics` reports, under vLLM's names with a `distillery:` prefix. Written from the engine
/// and request threads, read by whichever thread renders.
final class ServerMetrics: Sendable {
    let timeToFirstToken = Histogram(bounds: Histogram.latencyBounds)
    let interTokenLatency = Histogram(bounds: Histogram.latencyBounds)
    let endToEndLatency = Histogram(bounds: Histogram.latencyBounds)
    let queueTime = Histogram(bounds: Histogram.latencyBounds)
    let promptTokens = Atomic<Int>(0)
    let generationTokens = Atomic<Int>(0)
    /// Prompt tokens looked up in the slots' caches, and those found there (not computed again).
    let prefixCacheQueries = Atomic<Int>(0)
    let prefixCacheHits = Atomic<Int>(0)
    /// Sequences in slots, and waiting for one (set by the scheduler).
    let runningSequences = Atomic<Int>(0)
    let waitingSequences = Atomic<Int>(0)
    let reloadFailures = Atomic<Int>(0)
    private let responsesByStatus = Mutex<[Int: Int]>([:])
    private let finishedByReason = Mutex<[String: Int]>([:])

    func countResponse(status: Int) {
        responsesByStatus.withLock { $0[status, default: 0] += 1 }
    }

    func countFinished(reason: String) {
        finishedByReason.withLock { $0[reason, default: 0] += 1 }
    }

    func responses(status: Int) -> Int { responsesByStatus.withLock { $0[status] ?? 0 } }

    struct Context {
        var slots: Int
        var connections: Int
        var loopStarvations: Int
        var current: LoadedModel?
        var live: [LoadedModel]
        var swaps: Int
        var memory: JemallocStats.Snapshot?
        var mappedArrayBytes: Int
    }

    /// Prometheus text exposition format 0.0.4.
    func render(_ context: Context) -> String {
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for sample in samples { out += "\(name)\(sample.labels) \(sample.value)\n" }
        }
        func labels(_ pairs: KeyValuePairs<String, String>) -> String {
            "{" + pairs.map { "\($0.key)=\"\(Self.escapeLabel($0.value))\"" }.joined(separator: ",") + "}"
        }

        let statuses = responsesByStatus.withLock { $0 }.sorted { $0.key < $1.key }
        metric("distillery:http_requests_total", "counter", "HTTP responses by status code.",
               statuses.map { (labels(["status": String($0.key)]), String($0.value)) })
        let reasons = finishedByReason.withLock { $0 }.sorted { $0.key < $1.key }
        metric("distillery:request_success_total", "counter", "Finished completion choices by finish reason.",
               reasons.map { (labels(["finished_reason": $0.key]), String($0.value)) })
        metric("distillery:prompt_tokens_total", "counter", "Prompt tokens computed (not counting those found in a cache).",
               [("", String(promptTokens.load(ordering: .relaxed)))])
        metric("distillery:prefix_cache_queries_total", "counter", "Prompt tokens looked up in the slots' KV caches.",
               [("", String(prefixCacheQueries.load(ordering: .relaxed)))])
        metric("distillery:prefix_cache_hits_total", "counter", "Prompt tokens found in a slot's KV cache, not computed again.",
               [("", String(prefixCacheHits.load(ordering: .relaxed)))])
        metric("distillery:generation_tokens_total", "counter", "Tokens generated.",
               [("", String(generationTokens.load(ordering: .relaxed)))])
        metric("distillery:num_requests_running", "gauge", "Sequences in a slot (active slots).",
               [("", String(runningSequences.load(ordering: .relaxed)))])
        metric("distillery:num_requests_waiting", "gauge", "Sequences queued for a slot (queue depth).",
               [("", String(waitingSequences.load(ordering: .relaxed)))])
        metric("distillery:num_slots", "gauge", "Slots that decode together.", [("", String(context.slots))])
        metric("distillery:http_connections", "gauge", "Open client connections.", [("", String(context.connections))])
        metric("distillery:http_loop_starved_total", "counter",
               "Times a thread posting a response found the HTTP loop thread waiting 0.5 ms for a core and yielded its own.",
               [("", String(context.loopStarvations))])
        timeToFirstToken.render(name: "distillery:time_to_first_token_seconds",
                                help: "From arrival to the first generated token.", into: &out)
        interTokenLatency.render(name: "distillery:inter_token_latency_seconds",
                                 help: "Between consecutive generated tokens of a sequence.", into: &out)
        endToEndLatency.render(name: "distillery:e2e_request_latency_seconds",
                               help: "From arrival to the last token of a request.", into: &out)
        queueTime.render(name: "distillery:request_queue_time_seconds",
                         help: "From arrival until the sequence got a slot.", into: &out)
        if let model = context.current {
            metric("distillery:model_info", "gauge", "The model new requests get.",
                   [(labels(["version": model.version, "name": model.name, "path": model.path]), "1")])
            metric("distillery:model_parameters", "gauge", "Parameters of the current model.",
                   [("", String(model.parameterCount))])
        }
        metric("distillery:model_in_flight_requests", "gauge", "Requests pinning each model still in memory.",
               context.live.map { (labels(["version": $0.version]), String($0.inFlightRequests)) })
        metric("distillery:models_loaded", "gauge", "Models in memory (an old one stays until its last request ends).",
               [("", String(context.live.count))])
        metric("distillery:model_swaps_total", "counter", "Hot swaps since start.", [("", String(context.swaps))])
        metric("distillery:model_reload_failures_total", "counter", "Refused reloads since start.",
               [("", String(reloadFailures.load(ordering: .relaxed)))])
        if let memory = context.memory {
            metric("distillery:jemalloc_allocated_bytes", "gauge", "Bytes in live heap allocations (jemalloc stats.allocated).",
                   [("", String(memory.allocated))])
            metric("distillery:jemalloc_resident_bytes", "gauge", "Resident bytes jemalloc maps (stats.resident).",
                   [("", String(memory.resident))])
        }
        metric("distillery:mapped_array_bytes", "gauge",
               "Bytes of large arrays (weights, caches) mapped outside the heap, unmapped when freed.",
               [("", String(context.mappedArrayBytes))])
        return out
    }

    static func escapeLabel(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }
}
