import Foundation
import Tensors

/// The frame that training checkpoints and teacher-cache shards share: an 8-byte magic, a u32 format version,
/// a u32 JSON header length, the header, a binary payload, and a 64-bit checksum of everything before it.
/// Written atomically, so a kill leaves the old file or the complete new one.
enum ChecksummedFile {
    /// Writes the frame around what `payload` puts.
    static func write(to path: String, magic: [UInt8], version: UInt32, header: Data,
                      payload: (_ put: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        var checksum = Checksum64()
        do {
            try AtomicFile.write(to: path) { file in
                func put(_ bytes: UnsafeRawBufferPointer) throws {
                    checksum.update(bytes)
                    try file.write(bytes)
                }
                var prefix = magic
                withUnsafeBytes(of: version.littleEndian) { prefix += $0 }
                withUnsafeBytes(of: UInt32(header.count).littleEndian) { prefix += $0 }
                try prefix.withUnsafeBytes(put)
                try header.withUnsafeBytes(put)
                try payload(put)
                try withUnsafeBytes(of: checksum.value.littleEndian) { try file.write($0) }
            }
        } catch let failure as AtomicFile.Failure {
            throw TrainingError.io(path: failure.path, reason: failure.reason)
        }
    }

    /// Why a frame cannot be read, for the caller to word.
    enum FrameError: Error, Equatable {
        case wrongMagic
        case version(UInt32)
        case truncatedHeader
    }

    /// The header's JSON and where the payload starts, once magic and version are checked.
    static func frame(_ raw: UnsafeRawBufferPointer, magic: [UInt8], version: UInt32) throws(FrameError)
        -> (header: Data, payloadStart: Int) {
        guard raw.count >= 24, Array(raw[0..<8]) == magic else { throw .wrongMagic }
        let fileVersion = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        guard fileVersion == version else { throw .version(fileVersion) }
        let headerLength = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 12, as: UInt32.self)))
        guard 16 + headerLength + 8 <= raw.count else { throw .truncatedHeader }
        return (Data(raw[16..<(16 + headerLength)]), 16 + headerLength)
    }

    /// Whether the 8 bytes at payloadEnd are the checksum of everything before them.
    static func checksumMatches(_ raw: UnsafeRawBufferPointer, payloadEnd: Int) -> Bool {
        var checksum = Checksum64()
        checksum.update(UnsafeRawBufferPointer(rebasing: raw[0..<payloadEnd]))
        return UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: payloadEnd, as: UInt64.self)) == checksum.value
    }
}
