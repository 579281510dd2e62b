import CKernels
import Foundation

/// Which instruction set the int8 kernels use. Chosen once from CPUID; `DISTILLERY_KERNELS` can force a
/// slower path so tests and benchmarks can exercise each one.
public enum KernelPath: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Swift SIMD only; runs everywhere.
    case portable
    /// AVX2 + FMA + F16C (vpmaddubsw).
    case avx2
    /// AVX-512 BW/VL with VNNI (vpdpbusd).
    case avx512

    public var description: String { rawValue }

    public var isSupported: Bool {
        switch self {
        case .portable: true
        case .avx2: ck_cpu_has_avx2() != 0
        case .avx512: ck_cpu_has_avx512_vnni() != 0
        }
    }

    /// The paths this CPU can run, slowest first; always contains `.portable`.
    public static let supported: [KernelPath] = allCases.filter(\.isSupported)

    /// The fastest path this CPU can run.
    public static var best: KernelPath { supported.last ?? .portable }

    /// The path named by `DISTILLERY_KERNELS` (portable, avx2, avx512), or `best` when it is unset or empty.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(KernelError) -> KernelPath {
        guard let requested = environment["DISTILLERY_KERNELS"], !requested.isEmpty else { return best }
        guard let path = KernelPath(rawValue: requested.lowercased()), path.isSupported else {
            throw .unavailablePath(requested: requested, supported: supported)
        }
        return path
    }

    /// The default for every kernel call. An unusable `DISTILLERY_KERNELS` falls back to `best`; the CLI calls
    /// `fromEnvironment()` at start-up to report it as an error instead.
    public static let active: KernelPath = (try? fromEnvironment()) ?? best
}

extension Kernel {
    @inline(__always)
    static func checked(_ path: KernelPath) -> KernelPath {
        precondition(path.isSupported, "kernel path \(path) is not supported on this CPU")
        return path
    }
}
