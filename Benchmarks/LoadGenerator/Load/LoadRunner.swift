#if canImport(Glibc)
import Glibc
#endif
import HTTP
import Tensors

/// Runs a `LoadPlan` from one thread with one `poll` loop over every connection: cheap enough that the
/// client is never the bottleneck, and every timestamp is taken by the same thread right after its read.
final class LoadRunner {
    struct Result {
        var samples: [RequestSample]
        /// The run's start and the end of its last request, CLOCK_MONOTONIC nanoseconds.
        var startNs: UInt64
        var endNs: UInt64
    }

    /// A closed-loop client whose connection was refused waits this long before its next request, so a
    /// dead server makes failures, not a busy loop.
    static let refusedRetryDelayNs: UInt64 = 50_000_000

    private let address: ServerAddress
    /// The encoded request for each prompt.
    private let requests: [[UInt8]]
    private let plan: LoadPlan
    private var random: SeededGenerator
    private var arrivalRandom: SeededGenerator

    private var inFlight: [InFlightRequest] = []
    private var clients: [Int: InFlightRequest] = [:]
    private var idleClientsReadyAt: [(client: Int, readyNs: UInt64)] = []
    private var samples: [RequestSample] = []
    private var issued = 0
    private var nextArrivalNs: UInt64 = 0
    private var lastFinishNs: UInt64 = 0

    init(address: ServerAddress, requests: [[UInt8]], plan: LoadPlan) {
        precondition(!requests.isEmpty, "a run needs at least one prompt")
        self.address = address
        self.requests = requests
        self.plan = plan
        random = SeededGenerator(seed: plan.seed)
        arrivalRandom = SeededGenerator(seed: plan.seed ^ 0xA5A5_5A5A_0F0F_F0F0)
    }

    func run() -> Result {
        let startNs = MonotonicClock.now()
        let stopIssuingNs = startNs + UInt64(plan.duration * 1e9)
        nextArrivalNs = startNs
        if case .closedLoop(let concurrency) = plan.arrivals {
            idleClientsReadyAt = (0 ..< concurrency).map { ($0, startNs) }
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        var pollSet: [pollfd] = []

        while true {
            issueDueRequests(now: MonotonicClock.now(), runStart: startNs, stopIssuing: stopIssuingNs)
            if inFlight.isEmpty && !mayIssueMore(now: MonotonicClock.now(), stopIssuing: stopIssuingNs) { break }

            pollSet.removeAll(keepingCapacity: true)
            for request in inFlight {
                let events = request.wantsToWrite ? Int16(POLLOUT) : Int16(POLLIN)
                pollSet.append(pollfd(fd: request.fd, events: events, revents: 0))
            }
            // poll counts whole milliseconds (ppoll is not visible from Swift): it sleeps the whole ones and
            // spins through the last fraction, so open-loop arrivals leave on time for a few µs of CPU each.
            let timeoutMs = Int32(wakeDelayNs(now: MonotonicClock.now(), stopIssuing: stopIssuingNs) / 1_000_000)
            _ = poll(&pollSet, nfds_t(pollSet.count), timeoutMs)

            for (request, entry) in zip(inFlight, pollSet) where entry.revents != 0 {
                if request.wantsToWrite {
                    if entry.revents & Int16(POLLOUT) != 0 {
                        request.handleWritable()
                    } else {
                        request.handleConnectFailure()
                    }
                } else {
                    request.handleReadable(buffer: buffer)
                }
            }
            let now = MonotonicClock.now()
            for request in inFlight { request.expire(now: now) }
            collectFinished(now: now)
        }
        return Result(samples: samples.sorted { $0.index < $1.index }, startNs: startNs, endNs: max(lastFinishNs, startNs))
    }

    private func mayIssueMore(now: UInt64, stopIssuing: UInt64) -> Bool {
        if let maxRequests = plan.maxRequests, issued >= maxRequests { return false }
        switch plan.arrivals {
        case .closedLoop: return now < stopIssuing
        case .openLoop: return nextArrivalNs < stopIssuing
        }
    }

    private func issueDueRequests(now: UInt64, runStart: UInt64, stopIssuing: UInt64) {
        switch plan.arrivals {
        case .closedLoop:
            while mayIssueMore(now: now, stopIssuing: stopIssuing),
                  let position = idleClientsReadyAt.firstIndex(where: { $0.readyNs <= now }) {
                let client = idleClientsReadyAt.remove(at: position).client
                start(client: client, scheduledNs: now, runStart: runStart)
            }
        case .openLoop(let rate):
            while mayIssueMore(now: now, stopIssuing: stopIssuing), nextArrivalNs <= now {
                start(client: nil, scheduledNs: nextArrivalNs, runStart: runStart)
                nextArrivalNs += UInt64(arrivalRandom.exponentialGap(rate: rate) * 1e9)
            }
        }
    }

    private func start(client: Int?, scheduledNs: UInt64, runStart: UInt64) {
        let promptIndex = Int(random.next() % UInt64(requests.count))
        let sample = RequestSample(index: issued, client: client, promptIndex: promptIndex,
                                   startMs: MonotonicClock.milliseconds(from: runStart, to: scheduledNs))
        issued += 1
        let deadline = scheduledNs + UInt64(plan.requestTimeout * 1e9)
        if client == nil, inFlight.count >= plan.maxInFlight {
            var dropped = sample
            dropped.failure = RequestFailure(kind: .dropped, detail: "\(plan.maxInFlight) requests already in flight")
            samples.append(dropped)
            lastFinishNs = max(lastFinishNs, scheduledNs)
            return
        }
        do {
            let fd = try ClientSocket.connect(to: address.socket)
            let request = InFlightRequest(fd: fd, request: requests[promptIndex], startNs: scheduledNs,
                                          deadlineNs: deadline, sample: sample)
            inFlight.append(request)
        } catch {
            var refused = sample
            refused.failure = RequestFailure(kind: .connect, detail: error.description)
            samples.append(refused)
            lastFinishNs = max(lastFinishNs, MonotonicClock.now())
            if let client { idleClientsReadyAt.append((client, scheduledNs + Self.refusedRetryDelayNs)) }
        }
    }

    private func collectFinished(now: UInt64) {
        guard inFlight.contains(where: \.isFinished) else { return }
        var stillRunning: [InFlightRequest] = []
        stillRunning.reserveCapacity(inFlight.count)
        for request in inFlight {
            guard request.isFinished else {
                stillRunning.append(request)
                continue
            }
            samples.append(request.sample)
            lastFinishNs = now
            if let client = request.sample.client {
                let refused = request.sample.failure?.kind == .connect
                idleClientsReadyAt.append((client, refused ? now + Self.refusedRetryDelayNs : now))
            }
        }
        inFlight = stillRunning
    }

    /// Until the next arrival, retry or deadline, at most 100 ms.
    private func wakeDelayNs(now: UInt64, stopIssuing: UInt64) -> UInt64 {
        var wake = now + 100_000_000
        for request in inFlight { wake = min(wake, request.deadlineNs) }
        if mayIssueMore(now: now, stopIssuing: stopIssuing) {
            switch plan.arrivals {
            case .openLoop: wake = min(wake, nextArrivalNs)
            case .closedLoop: for idle in idleClientsReadyAt { wake = min(wake, idle.readyNs) }
            }
        }
        return max(wake, now) - now
    }
}
