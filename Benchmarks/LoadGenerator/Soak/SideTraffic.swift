import Foundation
import HTTP
import Tensors

/// The soak's second client, on its own thread: cycles through `SideAction`s one at a time, reloads the
/// model every `reloadEverySeconds`, and samples the server's queue from `/metrics` between steps.
/// Unchecked Sendable: `SoakRunner` runs it on one thread per window and waits for that thread to finish.
final class SideTraffic: @unchecked Sendable {
    struct Settings {
        var address: ServerAddress
        /// `POST /admin/reload` bodies, taken in turn; none means no reloads.
        var reloadModels: [String]
        var reloadEverySeconds: Double
        var adminToken: String?
        /// A valid `"stream": false` body, and a valid streaming one for the mid-stream disconnects.
        var nonStreamingBody: [UInt8]
        var streamingBody: [UInt8]
        var pauseSeconds = 0.2
        var timeoutSeconds = 120.0
    }

    /// What one window of side traffic saw.
    struct Tally {
        var actions: [String: Int] = [:]
        /// Valid requests (non-streaming completions, reloads) that did not succeed, with details.
        var failures: [String] = []
        /// Invalid requests answered otherwise than a healthy server answers them.
        var unexpected: [String] = []
        var nonStreamingE2eMs: [Double] = []
        var reloads = 0
        var reloadSeconds: [Double] = []
        var queueWaiting: [Int] = []
        var queueRunning: [Int] = []
    }

    private let settings: Settings
    private var nextReloadNs: UInt64
    private var reloadIndex = 0
    private var step = 0

    init(settings: Settings, startNs: UInt64) {
        self.settings = settings
        nextReloadNs = startNs + UInt64(settings.reloadEverySeconds * 1e9)
    }

    /// Puts this window's reloads half a period after its start (then every period), so every window ends
    /// the same time after its last reload and its memory is measured at the same point of the cycle.
    /// Periods longer than a window keep their own schedule.
    func beginWindow(atNs startNs: UInt64, windowSeconds: Double) {
        guard settings.reloadEverySeconds <= windowSeconds else { return }
        nextReloadNs = startNs + UInt64(settings.reloadEverySeconds / 2 * 1e9)
    }

    /// Runs steps until `deadlineNs` (the one under way finishes) and returns what they saw.
    func run(until deadlineNs: UInt64) -> Tally {
        var tally = Tally()
        var lastScrapeNs: UInt64 = 0
        while MonotonicClock.now() < deadlineNs {
            if !settings.reloadModels.isEmpty, MonotonicClock.now() >= nextReloadNs {
                reload(into: &tally)
                nextReloadNs += UInt64(settings.reloadEverySeconds * 1e9)
            }
            let action = SideAction.cycle[step % SideAction.cycle.count]
            step += 1
            perform(action, into: &tally)
            if MonotonicClock.now() - lastScrapeNs >= 2_000_000_000 {
                scrapeQueue(into: &tally)
                lastScrapeNs = MonotonicClock.now()
            }
            usleep(UInt32(settings.pauseSeconds * 1e6))
        }
        return tally
    }

    private func perform(_ action: SideAction, into tally: inout Tally) {
        tally.actions[action.rawValue, default: 0] += 1
        let body = action == .disconnectMidStream ? settings.streamingBody : settings.nonStreamingBody
        let request = action.request(host: settings.address.hostHeader, path: settings.address.path, validBody: body)
        let started = MonotonicClock.now()
        do {
            let connection = try settings.address.connection(timeoutSeconds: settings.timeoutSeconds)
            defer { connection.close() }
            try connection.send(request)
            switch action {
            case .disconnectMidPrompt:
                return
            case .disconnectMidStream:
                let response = try connection.readResponse(firstBodyBytesOnly: true)
                if response.status != 200 { tally.failures.append("\(action.rawValue): HTTP \(response.status)") }
            default:
                let response = try connection.readResponse()
                check(response, of: action, startedNs: started, into: &tally)
            }
        } catch {
            let detail = "\(action.rawValue): \(error)"
            if action.expectedStatus == 200 || action == .disconnectMidStream {
                tally.failures.append(detail)
            } else {
                tally.unexpected.append(detail)
            }
        }
    }

    private func check(_ response: HTTPClientConnection.Response, of action: SideAction, startedNs: UInt64, into tally: inout Tally) {
        let detail = "\(action.rawValue): HTTP \(response.status) \(response.text.prefix(200))"
        if action == .nonStreaming {
            if response.status == 200, response.text.contains("\"choices\"") {
                tally.nonStreamingE2eMs.append(MonotonicClock.milliseconds(from: startedNs, to: MonotonicClock.now()))
            } else {
                tally.failures.append(detail)
            }
        } else if response.status != action.expectedStatus || !response.text.contains("\"error\"") {
            tally.unexpected.append(detail)
        }
    }

    private func reload(into tally: inout Tally) {
        let model = settings.reloadModels[reloadIndex % settings.reloadModels.count]
        reloadIndex += 1
        let body = Array(String(decoding: try! JSONSerialization.data(withJSONObject: ["model": model]), as: UTF8.self).utf8)
        var head = "POST /admin/reload HTTP/1.1\r\nHost: \(settings.address.hostHeader)\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.count)\r\nConnection: close\r\n"
        if let token = settings.adminToken { head += "Authorization: Bearer \(token)\r\n" }
        let started = MonotonicClock.now()
        tally.reloads += 1
        do {
            let connection = try settings.address.connection(timeoutSeconds: settings.timeoutSeconds)
            try connection.send(Array((head + "\r\n").utf8) + body)
            let response = try connection.readResponse()
            if response.status == 200 {
                tally.reloadSeconds.append(Double(MonotonicClock.now() - started) / 1e9)
            } else {
                tally.failures.append("reload \(model): HTTP \(response.status) \(response.text.prefix(200))")
            }
        } catch {
            tally.failures.append("reload \(model): \(error)")
        }
    }

    private func scrapeQueue(into tally: inout Tally) {
        guard let metrics = try? ServerMetricsScrape.fetch(settings.address, timeoutSeconds: 10) else { return }
        if let waiting = metrics["distillery:num_requests_waiting"] { tally.queueWaiting.append(Int(waiting)) }
        if let running = metrics["distillery:num_requests_running"] { tally.queueRunning.append(Int(running)) }
    }
}
