import CKernels
import Foundation
import Synchronization

/// A fixed team of threads for kernels that take a few microseconds. The calling thread is participant 0
/// and `threadCount - 1` workers are started once, so a pool of 2 on a 2-core machine runs one worker
/// beside the caller. Nothing is allocated and no thread is created per call.
///
/// `parallelFor` gives each participant a fixed share of the range (the same rows every call, so each core
/// keeps re-reading the weights it cached), claimed a chunk at a time from an atomic cursor. A participant
/// that runs out steals chunks from the back of the others' shares, so when a worker is descheduled (two
/// cores shared with other processes) the caller finishes its share instead of spinning until it returns.
///
/// Workers wait for a job by spinning on an atomic generation (a futex wake-up costs 5-20 µs, a decode
/// step ~100 µs) and sleep on a semaphore only after `spinMicroseconds` without work.
/// One caller at a time: the engine thread owns the pool.
public final class ThreadPool: @unchecked Sendable {
    /// Participants, the caller included.
    public let threadCount: Int
    // The workers hold the team, not the pool, so the pool's deinit can stop and join them.
    private let team: WorkerTeam

    /// - Parameters:
    ///   - threadCount: participants including the caller; defaults to one per core.
    ///   - spinMicroseconds: how long an idle worker spins before it sleeps.
    ///   - pinned: bind worker i to core i (the caller may pin itself to core 0 with `pinCurrentThread`),
    ///     so the scheduler never stacks two participants on one core of a busy machine.
    public init(
        threadCount: Int = ProcessInfo.processInfo.activeProcessorCount, spinMicroseconds: Int = 200,
        pinned: Bool = false
    ) {
        self.threadCount = max(1, threadCount)
        team = WorkerTeam(participants: self.threadCount, spinNanoseconds: UInt64(max(0, spinMicroseconds)) * 1000)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        // A starting thread allocates (its name, Foundation's bookkeeping): wait for that, so nothing the
        // pool does allocates once it is made.
        let started = DispatchSemaphore(value: 0)
        for worker in team.workers {
            let thread = Thread { [team] in
                if pinned { _ = ThreadPool.pinCurrentThread(toCore: worker.index % cores) }
                started.signal()
                team.workerLoop(worker)
            }
            thread.name = "kernels-\(worker.index)"
            thread.start()
        }
        for _ in team.workers { started.wait() }
    }

    deinit { team.stop() }

    /// Binds the calling thread to `core`; false where the OS refuses or does not support it.
    @discardableResult
    public static func pinCurrentThread(toCore core: Int) -> Bool {
        ck_pin_current_thread(Int32(core)) == 0
    }

    /// A job as a plain function of (context, lower, upper) plus an untyped context: nothing to retain and
    /// nothing to allocate, which a Swift closure cannot promise once it is handed to another thread.
    public typealias Job = @convention(c) (UnsafeRawPointer, Int, Int) -> Void

    /// Calls `job(context, lower, upper)` on disjoint ranges that together cover 0..<count, spread over the
    /// participants, and returns when all are done. `grain` is the chunk size claimed at once (default: a
    /// quarter share). Allocates nothing; `context` must stay valid until it returns.
    public func parallelFor(_ count: Int, grain: Int? = nil, context: UnsafeRawPointer, _ job: Job) {
        precondition(count >= 0 && count < 1 << 31)
        guard count > 0 else { return }
        guard threadCount > 1 else { return job(context, 0, count) }
        let grain = max(1, grain ?? (count + 4 * threadCount - 1) / (4 * threadCount))
        team.run(job, context: context, count: count, grain: grain)
    }

    /// The same for a closure; convenient, but the closure's hand-over may cost a small allocation.
    public func parallelFor(_ count: Int, grain: Int? = nil, _ body: (Range<Int>) -> Void) {
        withoutActuallyEscaping(body) { body in
            withUnsafePointer(to: body) { pointer in
                parallelFor(count, grain: grain, context: UnsafeRawPointer(pointer)) { context, lower, upper in
                    context.assumingMemoryBound(to: ((Range<Int>) -> Void).self).pointee(lower..<upper)
                }
            }
        }
    }
}
