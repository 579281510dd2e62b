/// One recorded interval of a soak (a minute by default): the load, what failed, the latency percentiles,
/// and the server's memory, descriptors and queue at its end, measured once every client had finished.
struct SoakWindow: Codable, Equatable {
    var index: Int
    /// Seconds from the soak's start to the measurement.
    var endSeconds: Double
    var streamingRequests: Int
    var nonStreamingRequests: Int
    /// Valid requests (streaming, non-streaming, reloads) that failed.
    var failedValid: Int
    /// Invalid requests answered otherwise than a healthy server answers them.
    var unexpected: Int
    var sideActions: [String: Int]
    var reloads: Int
    var ttftMs: Distribution
    var itlMs: Distribution
    var streamingE2eMs: Distribution
    var nonStreamingE2eMs: Distribution
    var reloadSeconds: Distribution
    var queueWaitingMax: Int
    var queueWaitingMean: Double
    var runningMax: Int
    var rssMb: Double?
    /// The part of RSS in transparent huge pages.
    var anonymousHugePagesMb: Double?
    var openFds: Int?
    /// The live heap, and the large arrays (weights) mapped beside it: measured with no request running,
    /// so their sum is the floor RSS should stay near.
    var jemallocAllocatedMb: Double?
    var mappedArrayMb: Double?
    /// The first few failure details of the window.
    var failureExamples: [String]

    init(index: Int, endSeconds: Double, streaming: [RequestSample], side: SideTraffic.Tally,
         rssMb: Double?, anonymousHugePagesMb: Double?, openFds: Int?, metrics: [String: Double]?) {
        self.index = index
        self.endSeconds = endSeconds
        streamingRequests = streaming.count
        nonStreamingRequests = side.actions[SideAction.nonStreaming.rawValue] ?? 0
        let streamingFailures = streaming.compactMap { sample in
            sample.failure.map { "stream #\(sample.index): \($0.kind.rawValue): \($0.detail.prefix(200))" }
        }
        failedValid = streamingFailures.count + side.failures.count
        unexpected = side.unexpected.count
        sideActions = side.actions
        reloads = side.reloads
        let succeeded = streaming.filter(\.succeeded)
        ttftMs = Distribution(succeeded.compactMap(\.ttftMs))
        itlMs = Distribution(succeeded.flatMap(\.itlMs))
        streamingE2eMs = Distribution(succeeded.compactMap(\.e2eMs))
        nonStreamingE2eMs = Distribution(side.nonStreamingE2eMs)
        reloadSeconds = Distribution(side.reloadSeconds)
        queueWaitingMax = side.queueWaiting.max() ?? 0
        queueWaitingMean = side.queueWaiting.isEmpty ? 0
            : Distribution.microseconds(Double(side.queueWaiting.reduce(0, +)) / Double(side.queueWaiting.count))
        runningMax = side.queueRunning.max() ?? 0
        self.rssMb = rssMb
        self.anonymousHugePagesMb = anonymousHugePagesMb
        self.openFds = openFds
        jemallocAllocatedMb = metrics?["distillery:jemalloc_allocated_bytes"].map { $0 / 1_048_576 }
        mappedArrayMb = metrics?["distillery:mapped_array_bytes"].map { $0 / 1_048_576 }
        failureExamples = Array((streamingFailures + side.failures + side.unexpected).prefix(5))
    }
}
