import Dispatch
import Synchronization

/// Messages to the engine thread: a locked queue, and a semaphore the thread sleeps on when it has no work.
final class EngineInbox: Sendable {
    enum Message: @unchecked Sendable {
        /// A job and its sequences; both belong to the engine thread from here on.
        case job(CompletionJob, [SequenceTask])
        /// Finish what is admitted, then end the thread.
        case shutdown
    }

    private let messages = Mutex<[Message]>([])
    private let wakeup = DispatchSemaphore(value: 0)

    func post(_ message: Message) {
        messages.withLock { $0.append(message) }
        wakeup.signal()
    }

    /// Swaps the queued messages into `batch` (empty on entry).
    func takeAll(into batch: inout [Message]) {
        messages.withLock { swap(&$0, &batch) }
    }

    /// Sleeps until something is posted (returns at once if a post is pending).
    func waitForMessages() {
        wakeup.wait()
    }
}
