import Foundation

/// CPU time of this process and, when its pid is given, of the server: the evidence that the load
/// generator is not the bottleneck is its own CPU use next to the server's over the same interval.
struct ResourceUsage: Codable, Equatable {
    var loadgenCpuSeconds: Double
    /// Average cores busy: CPU seconds over wall seconds.
    var loadgenCpuCores: Double
    var serverCpuSeconds: Double?
    var serverCpuCores: Double?
    var serverRssMb: Double?
    var serverPeakRssMb: Double?
    /// Cores busy machine-wide (all processes, from /proc/stat): minus the server and the load generator,
    /// what else ran during the measurement on a shared machine.
    var machineBusyCores: Double?

    struct Snapshot {
        var loadgenCpuSeconds: Double
        var serverCpuSeconds: Double?
        var machineBusySeconds: Double?

        static func take(serverPid: Int32?) -> Snapshot {
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            let own = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
                + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
            return Snapshot(loadgenCpuSeconds: own, serverCpuSeconds: serverPid.flatMap(ResourceUsage.cpuSeconds(pid:)),
                            machineBusySeconds: ResourceUsage.machineBusySeconds())
        }
    }

    init(from start: Snapshot, to end: Snapshot, wallSeconds: Double, serverPid: Int32?) {
        let wall = Swift.max(wallSeconds, 1e-9)
        loadgenCpuSeconds = end.loadgenCpuSeconds - start.loadgenCpuSeconds
        loadgenCpuCores = loadgenCpuSeconds / wall
        if let first = start.serverCpuSeconds, let last = end.serverCpuSeconds {
            serverCpuSeconds = last - first
            serverCpuCores = (last - first) / wall
        }
        if let first = start.machineBusySeconds, let last = end.machineBusySeconds {
            machineBusyCores = (last - first) / wall
        }
        if let serverPid {
            serverRssMb = Self.statusKilobytes(pid: serverPid, field: "VmRSS").map { $0 / 1024 }
            serverPeakRssMb = Self.statusKilobytes(pid: serverPid, field: "VmHWM").map { $0 / 1024 }
        }
    }

    /// utime + stime from `/proc/PID/stat` (fields 14 and 15, after the parenthesised command name).
    static func cpuSeconds(pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3), so utime (14) and stime (15) are at 11 and 12.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Busy CPU time summed over all cores since boot: the `cpu` line of /proc/stat without idle and iowait.
    static func machineBusySeconds() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = stat.split(separator: "\n").first, line.hasPrefix("cpu ") else { return nil }
        let ticks = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard ticks.count >= 5 else { return nil }
        // user nice system idle iowait irq softirq steal (guest time is already inside user)
        let busy = ticks.prefix(8).enumerated().filter { $0.offset != 3 && $0.offset != 4 }.map(\.element).reduce(0, +)
        return busy / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func statusKilobytes(pid: Int32, field: String) -> Double? {
        kilobytes(inProcFile: "/proc/\(pid)/status", field: field)
    }

    /// A "Field:   123 kB" line of a /proc file (status, smaps_rollup).
    static func kilobytes(inProcFile path: String, field: String) -> Double? {
        guard let status = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            return line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap { Double($0) }
        }
        return nil
    }
}
