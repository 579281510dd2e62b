import Foundation

/// Writes a file so that a crash or kill at any moment leaves either the old file or the complete new
/// one: write a temporary file beside it, fsync it, rename it over the target, fsync the directory.
package enum AtomicFile {
    package final class Writer {
        fileprivate let fd: Int32
        fileprivate let path: String
        fileprivate init(fd: Int32, path: String) { self.fd = fd; self.path = path }

        package func write(_ bytes: UnsafeRawBufferPointer) throws {
            var done = 0
            while done < bytes.count {
                let n = Foundation.write(fd, bytes.baseAddress! + done, bytes.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw TrainingError.io(path: path, reason: "write failed: \(String(cString: strerror(errno)))")
                }
                done += n
            }
        }
    }

    package static func write(to path: String, _ body: (Writer) throws -> Void) throws {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw TrainingError.io(path: temporary, reason: "cannot create: \(String(cString: strerror(errno)))")
        }
        do {
            try body(Writer(fd: fd, path: temporary))
            guard fsync(fd) == 0 else {
                throw TrainingError.io(path: temporary, reason: "fsync failed: \(String(cString: strerror(errno)))")
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
            throw TrainingError.io(path: path, reason: "cannot rename the finished file into place: \(reason)")
        }
        // The rename itself is durable only once the directory entry is on disk.
        let directory = (path as NSString).deletingLastPathComponent
        let dirFD = open(directory.isEmpty ? "." : directory, O_RDONLY)
        if dirFD >= 0 {
            fsync(dirFD)
            close(dirFD)
        }
    }
}

/// A 64-bit checksum over little-endian words (FNV-1a style multiply-xor), fast enough for 100 MB
/// checkpoints. Bytes are gathered into words across `update` calls, so the value depends only on the
/// byte stream, not on how it was split.
struct Checksum64 {
    private var state: UInt64 = 0xCBF2_9CE4_8422_2325
    private var pending: UInt64 = 0
    private var pendingBytes = 0
    private static let prime: UInt64 = 0x0000_0100_0000_01B3

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var i = 0
        while pendingBytes > 0, i < bytes.count { push(bytes[i]); i += 1 }
        while i + 8 <= bytes.count {
            state = (state ^ UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))) &* Self.prime
            i += 8
        }
        while i < bytes.count { push(bytes[i]); i += 1 }
    }

    /// The checksum of everything so far (a final partial word is zero-padded).
    var value: UInt64 {
        pendingBytes == 0 ? state : (state ^ pending) &* Self.prime
    }

    private mutating func push(_ byte: UInt8) {
        pending |= UInt64(byte) << (8 * UInt64(pendingBytes))
        pendingBytes += 1
        if pendingBytes == 8 {
            state = (state ^ pending) &* Self.prime
            pending = 0
            pendingBytes = 0
        }
    }
}
