import Foundation

/// One file of the teacher cache, little-endian:
///   "DSTLTCHR" | version u32 | header length u32 | header JSON |
///   tokens [S, T+1] i32 | for each teacher: ids [S, T, K] i32, log-probs [S, T, K] f32, tail [S, T] f32 |
///   checksum u64 of everything before it
/// Ids are student ids (-1 pads a short row); log-probs are of the teacher's distribution restricted to
/// the student's vocabulary at the capture temperature; the tail is the rest of that distribution's mass.
enum CacheShard {
    static let magic = Array("DSTLTCHR".utf8)
    static let version: UInt32 = 1

    struct Header: Codable, Equatable {
        var identity: CacheIdentity
        var shard: Int
        var firstSequence: Int
        var sequenceCount: Int  // S
    }

    /// A verified shard: its header and where each part starts in `bytes`.
    struct Contents {
        let header: Header
        let bytes: Data
        let payloadStart: Int

        var S: Int { header.sequenceCount }
        var T: Int { header.identity.sequenceLength }
        var K: Int { header.identity.topK }
        var teacherStride: Int { S * T * K * 8 + S * T * 4 }  // ids, log-probs, tail of one teacher

        func sequence(_ s: Int) -> TrainingSequence {
            bytes.withUnsafeBytes { raw in
                let tokens = (0..<(T + 1)).map { i in
                    Int32(littleEndian: raw.loadUnaligned(fromByteOffset: payloadStart + 4 * (s * (T + 1) + i), as: Int32.self))
                }
                let teachersStart = payloadStart + 4 * S * (T + 1)
                let teachers = header.identity.teachers.indices.map { t in
                    let ids = teachersStart + t * teacherStride
                    let logprobs = ids + 4 * S * T * K, tail = logprobs + 4 * S * T * K
                    let n = s * T * K
                    return TeacherTargets(
                        validPositions: T, k: K, temperature: header.identity.temperature,
                        ids: (0..<(T * K)).map { Int32(littleEndian: raw.loadUnaligned(fromByteOffset: ids + 4 * (n + $0), as: Int32.self)) },
                        logprobs: (0..<(T * K)).map { raw.loadUnaligned(fromByteOffset: logprobs + 4 * (n + $0), as: Float.self) },
                        tailMass: (0..<T).map { raw.loadUnaligned(fromByteOffset: tail + 4 * (s * T + $0), as: Float.self) })
                }
                return TrainingSequence(tokens: tokens, teachers: teachers)
            }
        }
    }

    /// Writes the shard atomically: a kill leaves either no shard or the complete one.
    static func write(_ header: Header, tokens: [[Int32]], targets: [[TeacherTargets]], to path: String) throws {
        // targets[t][s]: teacher t's targets for sequence s
        try ChecksummedFile.write(to: path, magic: magic, version: version, header: try JSONEncoder.sorted.encode(header)) { put in
            try tokens.flatMap { $0 }.withUnsafeBytes(put)
            for teacher in targets {
                try teacher.flatMap(\.ids).withUnsafeBytes(put)
                try teacher.flatMap(\.logprobs).withUnsafeBytes(put)
                try teacher.flatMap(\.tailMass).withUnsafeBytes(put)
            }
        }
    }

    /// Why a shard cannot be used; a damaged one (cut short by a kill, corrupted) is recomputed.
    enum ReadFailure: Error {
        case damaged(String)
    }

    /// Reads and verifies a shard: structure, sizes and checksum. Throws `ReadFailure` when it cannot be used.
    static func read(_ path: String) throws -> Contents {
        let bytes: Data
        do { bytes = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw ReadFailure.damaged("unreadable: \(error.localizedDescription)")
        }
        return try bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws -> Contents in
            let frame: (header: Data, payloadStart: Int)
            do throws(ChecksummedFile.FrameError) {
                frame = try ChecksummedFile.frame(raw, magic: magic, version: version)
            } catch {
                switch error {
                case .wrongMagic: throw ReadFailure.damaged("not a teacher cache shard")
                case .version(let found): throw ReadFailure.damaged("format version \(found), expected \(version)")
                case .truncatedHeader: throw ReadFailure.damaged("truncated header")
                }
            }
            guard let header = try? JSONDecoder().decode(Header.self, from: frame.header) else {
                throw ReadFailure.damaged("unreadable header")
            }
            let id = header.identity
            guard header.sequenceCount > 0, id.sequenceLength > 0, id.topK > 0, !id.teachers.isEmpty else {
                throw ReadFailure.damaged("impossible sizes in the header")
            }
            let contents = Contents(header: header, bytes: bytes, payloadStart: frame.payloadStart)
            let expected = contents.payloadStart + 4 * contents.S * (contents.T + 1)
                + id.teachers.count * contents.teacherStride + 8
            guard raw.count == expected else {
                throw ReadFailure.damaged("\(raw.count) bytes, expected \(expected) (cut short?)")
            }
            guard ChecksummedFile.checksumMatches(raw, payloadEnd: expected - 8) else {
                throw ReadFailure.damaged("checksum mismatch")
            }
            return contents
        }
    }
}

extension JSONEncoder {
    /// Keys sorted, so the same header always has the same bytes.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }
}
