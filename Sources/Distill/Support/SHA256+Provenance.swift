import Foundation
import GGUF

// Provenance helpers over the one SHA-256 in GGUF: teacher files, corpora, vocabularies and cached data are
// named by their digest.
extension SHA256 {
    package mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }
    package mutating func update(_ text: String) { update(Array(text.utf8)) }
    package mutating func update<T: FixedWidthInteger>(integer value: T) {
        withUnsafeBytes(of: value.littleEndian) { update($0) }
    }

    /// The digest as 64 lowercase hex digits.
    package mutating func finalizeHex() -> String { Self.hex(finalize()) }

    /// The digest of `text`'s UTF-8 bytes, in hex.
    package static func hex(_ text: String) -> String { hex(hash(Array(text.utf8))) }

    /// The digest of a whole file, read in 4 MiB pieces.
    package static func hex(fileAt path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw DistillError.io(path: path, reason: "cannot open for reading")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 4 << 20) ?? Data() } catch {
                throw DistillError.io(path: path, reason: "read failed: \(error.localizedDescription)")
            }
            if chunk.isEmpty { break }
            chunk.withUnsafeBytes { hasher.update($0) }
        }
        return hasher.finalizeHex()
    }
}
