import Synchronization

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
final class LoopMailbox: Sendable {
    private struct State {
        var messages: [LoopMessage] = []
        var wakeup: AsyncSendTarget?
        /// A wake-up is already on its way; more messages ride along with it.
        var wakeupPending = false
    }

    private let state = Mutex(State())

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

    /// Queues `message` and wakes the loop; false when the loop is gone.
    @discardableResult
    func post(_ message: LoopMessage) -> Bool {
        state.withLock { state in
            guard let wakeup = state.wakeup else { return false }
            state.messages.append(message)
            if !state.wakeupPending {
                state.wakeupPending = true
                wakeup.send()
            }
            return true
        }
    }

    /// Swaps the queued messages into `batch` (empty on entry), so both arrays keep their capacity.
    func takeAll(into batch: inout [LoopMessage]) {
        state.withLock { state in
            swap(&state.messages, &batch)
            state.wakeupPending = false
        }
    }
}
