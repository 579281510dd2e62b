import CKernels
import Foundation
import Synchronization

/// The shared state of a `ThreadPool`: the job, each participant's share cursor, and the workers.
final class WorkerTeam: @unchecked Sendable {
    let workers: [Worker]
    let shares: [ShareCursor]
    let generation = Atomic<UInt64>(0)
    let completed = Atomic<Int>(0)
    let stopping = Atomic<Bool>(false)
    let spinNanoseconds: UInt64
    /// Written by the caller before it publishes the shares (release) and read by a participant only after
    /// it claimed a chunk (acquire), so it is never read while the caller replaces it.
    private var job: ThreadPool.Job?
    private var context: UnsafeRawPointer?
    /// Atomic only because a worker leaving the previous job may read it as the caller sets the next.
    private let grain = Atomic<Int>(1)

    init(participants: Int, spinNanoseconds: UInt64) {
        workers = (1..<participants).map { Worker(index: $0) }
        shares = (0..<participants).map { _ in ShareCursor() }
        self.spinNanoseconds = spinNanoseconds
    }

    func run(_ job: ThreadPool.Job, context: UnsafeRawPointer, count: Int, grain: Int) {
        self.job = job
        self.context = context
        self.grain.store(grain, ordering: .relaxed)
        completed.store(0, ordering: .relaxed)
        for (part, share) in shares.enumerated() {
            share.publish((part * count / shares.count)..<((part + 1) * count / shares.count))
        }
        generation.add(1, ordering: .sequentiallyConsistent)
        for worker in workers { worker.wake() }
        participate(0)
        waitForCompletion(count)
        self.job = nil
        self.context = nil
    }

    /// Spins while a worker finishes the chunk it claimed; if that takes long, the worker has probably
    /// been descheduled, so give it this core.
    private func waitForCompletion(_ count: Int) {
        var spins = 0
        while completed.load(ordering: .acquiring) < count {
            spins += 1
            if spins < 20_000 { ck_cpu_relax() } else { sched_yield() }
        }
    }

    /// Works through this participant's own share from the front, then steals from the back of the others',
    /// and reports what it did with one atomic add, so the completion line crosses cores once per call.
    private func participate(_ part: Int) {
        let grain = grain.load(ordering: .relaxed)
        var done = 0
        while let chunk = shares[part].claimFront(grain) {
            job!(context!, chunk.lowerBound, chunk.upperBound)
            done += chunk.count
        }
        for offset in 1..<shares.count {
            let victim = shares[(part + offset) % shares.count]
            while let chunk = victim.claimBack(grain) {
                job!(context!, chunk.lowerBound, chunk.upperBound)
                done += chunk.count
            }
        }
        if done > 0 { completed.add(done, ordering: .releasing) }
    }

    func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        generation.add(1, ordering: .sequentiallyConsistent)
        for worker in workers {
            worker.wake()
            worker.exited.wait()
        }
    }

    func workerLoop(_ worker: Worker) {
        var seen: UInt64 = 0
        while true {
            seen = waitForGeneration(after: seen, worker)
            if stopping.load(ordering: .acquiring) { break }
            participate(worker.index)
        }
        worker.exited.signal()
    }

    private func waitForGeneration(after seen: UInt64, _ worker: Worker) -> UInt64 {
        var start = DispatchTime.now().uptimeNanoseconds
        var spins = 0
        while true {
            let current = generation.load(ordering: .acquiring)
            if current != seen { return current }
            spins += 1
            if spins & 1023 != 0 { ck_cpu_relax(); continue }
            if DispatchTime.now().uptimeNanoseconds - start < spinNanoseconds { continue }
            worker.sleep(unlessChanged: generation, from: seen)
            start = DispatchTime.now().uptimeNanoseconds
        }
    }
}

/// One participant's share of a job as [front, back) packed in one atomic word, so the owner (from the
/// front) and thieves (from the back) claim chunks with a single compare-and-swap.
final class ShareCursor: Sendable {
    private let word = Atomic<UInt64>(0)
    /// Keeps two cursors, allocated back to back, off one cache line: each core claims from its own.
    private let padding: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)

    func publish(_ range: Range<Int>) {
        word.store(Self.pack(range.lowerBound, range.upperBound), ordering: .releasing)
    }

    func claimFront(_ grain: Int) -> Range<Int>? {
        var current = word.load(ordering: .acquiring)
        while true {
            let (front, back) = Self.unpack(current)
            guard front < back else { return nil }
            let end = min(front + grain, back)
            let (exchanged, original) = word.compareExchange(
                expected: current, desired: Self.pack(end, back), ordering: .acquiringAndReleasing)
            if exchanged { return front..<end }
            current = original
        }
    }

    func claimBack(_ grain: Int) -> Range<Int>? {
        var current = word.load(ordering: .acquiring)
        while true {
            let (front, back) = Self.unpack(current)
            guard front < back else { return nil }
            let start = max(back - grain, front)
            let (exchanged, original) = word.compareExchange(
                expected: current, desired: Self.pack(front, start), ordering: .acquiringAndReleasing)
            if exchanged { return start..<back }
            current = original
        }
    }

    private static func pack(_ front: Int, _ back: Int) -> UInt64 { UInt64(front) | UInt64(back) << 32 }
    private static func unpack(_ word: UInt64) -> (Int, Int) { (Int(word & 0xFFFF_FFFF), Int(word >> 32)) }
}

/// A worker's sleep flag and semaphore. The handshake (set the flag, re-check, take the flag back) keeps the
/// semaphore's count balanced, so a wake-up is never lost and never left over.
final class Worker: Sendable {
    let index: Int
    let sleeping = Atomic<Bool>(false)
    let semaphore = DispatchSemaphore(value: 0)
    let exited = DispatchSemaphore(value: 0)

    init(index: Int) { self.index = index }

    func sleep(unlessChanged generation: borrowing Atomic<UInt64>, from seen: UInt64) {
        sleeping.store(true, ordering: .sequentiallyConsistent)
        if generation.load(ordering: .sequentiallyConsistent) == seen {
            semaphore.wait()
        } else if !sleeping.exchange(false, ordering: .sequentiallyConsistent) {
            semaphore.wait()  // the caller took the flag, so it signals: consume that signal
        }
    }

    /// Called after the generation bump.
    func wake() {
        if sleeping.exchange(false, ordering: .sequentiallyConsistent) { semaphore.signal() }
    }
}
