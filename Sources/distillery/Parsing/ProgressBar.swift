import Foundation

/// A one-line progress bar on stderr, redrawn in place, with the rate and time left; drawn only on a terminal,
/// so logs and pipes stay clean.
final class ProgressBar {
    private let label: String
    private let enabled: Bool
    private let start = DispatchTime.now().uptimeNanoseconds
    private var lastDraw: UInt64 = 0

    init(label: String, enabled: Bool = true) {
        self.label = label
        self.enabled = enabled && isatty(2) != 0
    }

    func update(done: Int, total: Int) {
        guard enabled, total > 0 else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        guard done == total || now - lastDraw > 100_000_000 else { return }
        lastDraw = now
        let elapsed = Double(now - start) / 1e9
        let fraction = Double(done) / Double(total)
        let width = 30
        let filled = Int(fraction * Double(width))
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data(String(format: "\r%@ [%@] %d/%d  %.0fs elapsed, ETA %.0fs ",
                                                   label, bar, done, total, elapsed, eta).utf8))
    }

    func finish() {
        guard enabled, lastDraw != 0 else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
