import Foundation

/// The server's resident memory (and how much of it is huge pages) and open file descriptors, read from /proc (same machine, same user).
enum ProcessProbe {
    static func residentMegabytes(pid: Int32) -> Double? {
        ResourceUsage.statusKilobytes(pid: pid, field: "VmRSS").map { $0 / 1024 }
    }

    /// Resident memory backed by transparent huge pages (smaps_rollup's AnonHugePages).
    static func anonymousHugePagesMegabytes(pid: Int32) -> Double? {
        ResourceUsage.kilobytes(inProcFile: "/proc/\(pid)/smaps_rollup", field: "AnonHugePages").map { $0 / 1024 }
    }

    static func openFileDescriptors(pid: Int32) -> Int? {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd"))?.count
    }
}
