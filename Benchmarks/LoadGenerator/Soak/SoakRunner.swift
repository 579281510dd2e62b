import Foundation
import Tensors

/// Runs a soak as a series of windows. In each, `LoadRunner` drives the closed-loop streaming clients while
/// `SideTraffic` runs on its own thread; once both have finished, with no client connection open, the
/// server's RSS, descriptors and gauges are read, so every window is measured in the same quiet state.
final class SoakRunner {
    struct Settings {
        var address: ServerAddress
        /// The encoded streaming request of each prompt.
        var streamingRequests: [[UInt8]]
        var arrivals: LoadPlan.Arrivals
        var durationSeconds: Double
        var windowSeconds: Double
        var requestTimeoutSeconds: Double
        var serverPid: Int32
        var seed: UInt64
        var side: SideTraffic.Settings
    }

    /// Hands one window's side-traffic tally from its thread to the runner; the semaphore orders the two.
    private final class TallyBox: @unchecked Sendable {
        var tally = SideTraffic.Tally()
    }

    private let settings: Settings

    init(settings: Settings) {
        self.settings = settings
    }

    var windowCount: Int { max(1, Int((settings.durationSeconds / settings.windowSeconds).rounded())) }

    func run(onWindow: (SoakWindow) -> Void) -> [SoakWindow] {
        let startNs = MonotonicClock.now()
        let side = SideTraffic(settings: settings.side, startNs: startNs)
        var windows: [SoakWindow] = []
        for index in 0 ..< windowCount {
            let windowStartNs = MonotonicClock.now()
            let deadlineNs = windowStartNs + UInt64(settings.windowSeconds * 1e9)
            side.beginWindow(atNs: windowStartNs, windowSeconds: settings.windowSeconds)
            let box = TallyBox()
            let done = DispatchSemaphore(value: 0)
            let thread = Thread { [side] in
                box.tally = side.run(until: deadlineNs)
                done.signal()
            }
            thread.start()
            let plan = LoadPlan(arrivals: settings.arrivals, maxRequests: nil,
                                duration: settings.windowSeconds, requestTimeout: settings.requestTimeoutSeconds,
                                seed: settings.seed &+ UInt64(index))
            let streaming = LoadRunner(address: settings.address, requests: settings.streamingRequests, plan: plan).run()
            done.wait()

            usleep(500_000)   // the server closes the last connections after their final write
            let rss = ProcessProbe.residentMegabytes(pid: settings.serverPid)
            let hugePages = ProcessProbe.anonymousHugePagesMegabytes(pid: settings.serverPid)
            let fds = ProcessProbe.openFileDescriptors(pid: settings.serverPid)
            let metrics = try? ServerMetricsScrape.fetch(settings.address, timeoutSeconds: 10)
            let window = SoakWindow(index: index, endSeconds: Double(MonotonicClock.now() - startNs) / 1e9,
                                    streaming: streaming.samples, side: box.tally, rssMb: rss,
                                    anonymousHugePagesMb: hugePages, openFds: fds, metrics: metrics)
            windows.append(window)
            onWindow(window)
        }
        return windows
    }
}
