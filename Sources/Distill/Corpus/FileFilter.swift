#if canImport(Glibc)
import Glibc
#endif

/// Which files of a folder the corpus reads, as shell patterns (fnmatch):
/// - `include` keeps only files whose name matches one of them (`*.py`); none given keeps every file.
/// - `exclude` drops a file when its name or the name of any folder above it (below the input folder)
///   matches (`test`, `*_test`); a pattern with a `/` is matched against the whole relative path instead.
/// Hidden files and folders (a name starting with ".") are always skipped.
public struct FileFilter: Sendable, Equatable {
    public var include: [String]
    public var exclude: [String]

    public init(include: [String] = [], exclude: [String] = []) {
        self.include = include
        self.exclude = exclude
    }

    /// `relativePath` is the file's path below the folder the user named, "/"-separated.
    public func accepts(relativePath: String) -> Bool {
        let components = relativePath.split(separator: "/").map(String.init)
        guard let name = components.last, !components.contains(where: { $0.hasPrefix(".") }) else { return false }
        for pattern in exclude {
            if pattern.contains("/") {
                if Self.matches(pattern, relativePath) { return false }
            } else if components.contains(where: { Self.matches(pattern, $0) }) {
                return false
            }
        }
        return include.isEmpty || include.contains { Self.matches($0, name) }
    }

    static func matches(_ pattern: String, _ text: String) -> Bool {
        fnmatch(pattern, text, 0) == 0
    }
}
