// Why `make sanitize` reports races on state every access of which holds a `Synchronization.Mutex`:
// on Linux the Mutex locks with futex calls inside the standard library, which ThreadSanitizer does not
// instrument or intercept, so it sees no happens-before edge between two critical sections.
// Three threads append to one Mutex-protected array; the program is correct and TSan reports races:
//   swiftc -O -sanitize=thread .sanitizers/MutexIsInvisibleToTSan.swift -o /tmp/m && /tmp/m
// (measured with Swift 6.3.1: "WARNING: ThreadSanitizer: Swift access race" in main and in the threads).
import Synchronization
import Foundation

final class Box: Sendable {
    let state = Mutex<[Int]>([])
}
let box = Box()
let threads = (0..<2).map { t in
    Thread {
        for i in 0..<20000 { box.state.withLock { $0.append(i + t) } }
    }
}
threads.forEach { $0.start() }
for i in 0..<20000 { box.state.withLock { $0.append(i) } }
sleep(2)
print(box.state.withLock { $0.count })
