import Glibc
import Synchronization
import Tensors

/// Which request of which connection a responder answers. The request number keeps a stale responder
/// from writing into a later request on the same keep-alive connection.
struct ExchangeID: Hashable, Sendable {
    let connection: UInt64
    let request: UInt64
}

enum ResponderCommand: Sendable {
    case respond(HTTPResponse)
    case startStream(HTTPStatus, HTTPHeaders)
    case write([UInt8])
    case finish
    /// The responder was released without finishing its response.
    case abandon
}

enum LoopMessage: Sendable {
    case responder(ExchangeID, ResponderCommand)
    case shutdown
}

/// The one way into the loop thread from other threads: messages go into a locked queue and
/// `uv_async_send` wakes the loop, which drains the queue and does the actual socket work.
///
/// When compute threads fill every core (the engine thread and its kernel worker on a 2-core machine), the
/// woken loop thread waits for a core until a scheduler tick, up to 4 ms here even with its short slice, and
/// streamed tokens reach the client in bursts. So a thread that posts while the last wake-up has gone
/// unanswered for `starvedAfter` gives up its core once (`sched_yield`), and the loop runs.
final class LoopMailbox: Sendable {
    private struct State {
        var messages: [LoopMessage] = []
        var wakeup: AsyncSendTarget?
        /// A wake-up is already on its way; more messages ride along with it.
        var wakeupPending = false
        /// When that wake-up was sent, or when a poster last yielded for it (CLOCK_MONOTONIC, ns).
        var waitingSince: UInt64 = 0
    }

    /// Half a millisecond: a few of the smallest students' decode steps, a fraction of the 4 ms tick.
    static let starvedAfter: UInt64 = 500_000

    private let state = Mutex(State())
    private let starvedCount = Atomic<Int>(0)

    /// Times a poster found the loop starved and yielded to it.
    var starvations: Int { starvedCount.load(ordering: .relaxed) }

    /// Messages are accepted from now on (called on the loop thread once the async handle exists).
    func open(wakeup: AsyncSendTarget) {
        state.withLock { $0.wakeup = wakeup }
    }

    /// Refuses messages from now on; must run before the async handle is closed, which is what makes
    /// sending under the lock safe.
    func close() {
        state.withLock {
            $0.wakeup = nil
            $0.messages.removeAll()
        }
    }

    var isOpen: Bool { state.withLock { $0.wakeup != nil } }

    /// Queues `message` and wakes the loop; false when the loop is gone. `now` is for tests.
    @discardableResult
    func post(_ message: LoopMessage, now: UInt64 = MonotonicClock.now()) -> Bool {
        let (accepted, starved) = state.withLock { state -> (Bool, Bool) in
            guard let wakeup = state.wakeup else { return (false, false) }
            state.messages.append(message)
            if !state.wakeupPending {
                state.wakeupPending = true
                state.waitingSince = now
                wakeup.send()
                return (true, false)
            }
            guard now &- state.waitingSince > Self.starvedAfter else { return (true, false) }
            state.waitingSince = now  // once an interval, however many threads post meanwhile
            return (true, true)
        }
        if starved {
            starvedCount.add(1, ordering: .relaxed)
            sched_yield()
        }
        return accepted
    }

    /// Swaps the queued messages into `batch` (empty on entry), so both arrays keep their capacity.
    func takeAll(into batch: inout [LoopMessage]) {
        state.withLock { state in
            swap(&state.messages, &batch)
            state.wakeupPending = false
        }
    }
}
