import Foundation

/// The server's resident memory and open file descriptors, read from /proc (same machine, same user).
enum ProcessProbe {
    static func residentMegabytes(pid: Int32) -> Double? {
        ResourceUsage.statusKilobytes(pid: pid, field: "VmRSS").map { $0 / 1024 }
    }

    static func openFileDescriptors(pid: Int32) -> Int? {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd"))?.count
    }
}
