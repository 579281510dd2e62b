#if canImport(Glibc)
import Glibc
#endif

/// Writes a file so that a crash or kill at any moment leaves either the old file or the complete new
/// one: write a temporary file beside it, fsync it, rename it over the target, fsync the directory.
/// Checkpoints, teacher-cache shards, students and their cards are all written this way.
package enum AtomicFile {
    /// Why a write failed, and the file it was writing; callers wrap it in their own error.
    package struct Failure: Error, Sendable {
        package let path: String
        package let reason: String
    }

    package final class Writer {
        fileprivate let fd: Int32
        fileprivate let path: String
        fileprivate init(fd: Int32, path: String) { self.fd = fd; self.path = path }

        package func write(_ bytes: UnsafeRawBufferPointer) throws(Failure) {
            var done = 0
            while done < bytes.count {
                let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw Failure(path: path, reason: "write failed: \(String(cString: strerror(errno)))")
                }
                done += n
            }
        }
    }

    /// The whole file at once.
    package static func write(_ bytes: [UInt8], to path: String) throws(Failure) {
        do {
            try write(to: path) { writer in try bytes.withUnsafeBytes { try writer.write($0) } }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(path: path, reason: "\(error)")
        }
    }

    /// The file as `body` streams it; an error thrown by `body` leaves the old file and is rethrown.
    package static func write(to path: String, _ body: (Writer) throws -> Void) throws {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw Failure(path: temporary, reason: "cannot create: \(String(cString: strerror(errno)))")
        }
        do {
            try body(Writer(fd: fd, path: temporary))
            guard fsync(fd) == 0 else {
                throw Failure(path: temporary, reason: "fsync failed: \(String(cString: strerror(errno)))")
            }
            close(fd)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw Failure(path: path, reason: "cannot rename the finished file into place: \(reason)")
        }
        // The rename itself is durable only once the directory entry is on disk.
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let dirFD = open(directory.isEmpty ? "/" : directory, O_RDONLY)
        if dirFD >= 0 {
            fsync(dirFD)
            close(dirFD)
        }
    }
}
