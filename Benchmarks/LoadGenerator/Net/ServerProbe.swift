#if canImport(Glibc)
import Glibc
#endif
import HTTP
import Tensors

/// Checks that something accepts connections before a run, so a typo in the port is one clear error rather
/// than thousands of refused requests.
enum ServerProbe {
    struct NotListening: Error, CustomStringConvertible {
        var address: ServerAddress
        var reason: String
        var description: String { "nothing accepts connections on \(address.hostHeader): \(reason)" }
    }

    static func waitUntilListening(_ address: ServerAddress, timeoutSeconds: Double) throws {
        let deadline = MonotonicClock.now() + UInt64(timeoutSeconds * 1e9)
        var reason = "timed out"
        while MonotonicClock.now() < deadline {
            do {
                _ = try address.connection(timeoutSeconds: 1)
                return
            } catch {
                reason = error.description
            }
            usleep(100_000)
        }
        throw NotListening(address: address, reason: reason)
    }
}
