import CKernels
import Foundation
import Synchronization
import XCTest

/// The HTTP loop thread asks for short time slices; the kernel must then report that slice for the thread.
final class TimeSliceTests: XCTestCase {
    struct Observation: Sendable {
        var status: Int32
        var before: Int?
        var after: Int?
    }

    func testARequestedTimeSliceIsTheThreadsSlice() throws {
        @Sendable func slice() -> Int? {
            guard let text = try? String(contentsOfFile: "/proc/thread-self/sched", encoding: .utf8) else { return nil }
            let line = text.split(separator: "\n").first { $0.hasPrefix("se.slice") }
            return line.flatMap { Int($0.split(separator: ":").last!.trimmingCharacters(in: .whitespaces)) }
        }
        let observed = Mutex<Observation?>(nil)
        let done = DispatchSemaphore(value: 0)
        // a thread of its own: the request is per thread and must not stay on a test runner's thread
        Thread {
            let before = slice()
            let status = ck_request_time_slice(200_000)
            let after = slice()
            observed.withLock { $0 = Observation(status: status, before: before, after: after) }
            done.signal()
        }.start()
        done.wait()
        let result = try XCTUnwrap(observed.withLock { $0 })
        guard result.status == 0, result.before != nil else {
            throw XCTSkip("this kernel has no custom time slices (status \(result.status))")
        }
        XCTAssertEqual(result.after, 200_000)
        XCTAssertNotEqual(result.before, 200_000)
    }
}
