#if canImport(Glibc)
import Glibc
#endif

/// Debian's OpenBLAS picks its kernels from the CPU's model number, and on virtual CPUs that hide it
/// ("Intel Xeon Processor") falls back to its SSE3 kernels, about 5x slower for the teacher pass and the trainer.
/// It reads OPENBLAS_CORETYPE only while the library loads, so when nobody set it we set it from the CPU's
/// flags and re-execute ourselves once. A value already in the environment is always respected.
enum OpenBLASCoreSelection {
    static func applyAndReexecIfNeeded() {
        guard getenv("OPENBLAS_CORETYPE") == nil, let core = coreForThisCPU() else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", arguments)
        // execv only returns on failure: carry on with OpenBLAS's own choice.
    }

    /// The newest OpenBLAS core type whose instructions this CPU has.
    static func coreForThisCPU() -> String? {
        guard let file = fopen("/proc/cpuinfo", "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 8192)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(cString: line)
            guard text.hasPrefix("flags") else { continue }
            let flags = Set(text.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
            if ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"].allSatisfy(flags.contains) { return "SkylakeX" }
            if ["avx2", "fma"].allSatisfy(flags.contains) { return "Haswell" }
            return nil
        }
        return nil
    }
}
