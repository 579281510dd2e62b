import Foundation
import Synchronization

/// A pipe for a child's stdout or stderr, read to its end on a thread of its own from the start. A child
/// whose output nobody reads blocks once the pipe's 64 KB are full: a server's access log fills that in a few
/// hundred requests, and a frozen server then looks like a hung test.
final class DrainedPipe: Sendable {
    let pipe = Pipe()
    private let data = Mutex(Data())
    private let ended = DispatchSemaphore(value: 0)

    /// Call after the child has started (the pipe's write end is then the child's too).
    func startDraining() {
        let handle = pipe.fileHandleForReading
        Thread.detachNewThread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                data.withLock { $0.append(chunk) }
            }
            ended.signal()
        }
    }

    /// What the child wrote so far.
    var text: String { String(decoding: data.withLock { $0 }, as: UTF8.self) }

    /// Everything the child wrote, once it has closed its end (exited).
    func textAtEnd() -> String {
        ended.wait()
        ended.signal()
        return text
    }
}
