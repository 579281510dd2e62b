#if canImport(Glibc)
import Glibc
#endif

/// A read-only memory map of a whole file, unmapped when the last reference goes.
public final class MappedFile: @unchecked Sendable {
    // Immutable after init; the mapping is read-only, so sharing across threads is safe.
    public let bytes: UnsafeRawBufferPointer
    public let path: String
    private let isMapped: Bool

    /// A copy of `contents` in memory, for parsing bytes that did not come from a file.
    public init(contents: [UInt8], name: String = "(memory)") {
        path = name
        isMapped = false
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(contents.count, 1), alignment: 64)
        copy.copyBytes(from: contents)
        bytes = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(copy)[0..<contents.count])
    }

    public init(path: String) throws(GGUFError) {
        self.path = path
        isMapped = true
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .cannotOpen(path: path, reason: "not a regular file") }
        let size = Int(info.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let address, address != MAP_FAILED else {
            throw .cannotOpen(path: path, reason: "mmap failed: " + String(cString: strerror(errno)))
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        guard let base = bytes.baseAddress else { return }
        if isMapped {
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        } else {
            base.deallocate()
        }
    }
}
