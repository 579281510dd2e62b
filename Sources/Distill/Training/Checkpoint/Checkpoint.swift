import Engine
import Foundation
import Tensors

/// A training checkpoint on disk, little-endian:
///   "DSTLCKPT" | version u32 | header length u32 | header JSON | parameters [P] f32 | AdamW m [P] f32 |
///   AdamW v [P] f32 | checksum u64 of everything before it
/// The header holds the model and trainer configs, the step, tokens seen and the data cursor (epoch,
/// position and the RNG state of the epoch's shuffle), so a resumed run continues the same curve.
enum Checkpoint {
    static let magic = Array("DSTLCKPT".utf8)
    static let version: UInt32 = 1

    struct Header: Codable {
        var model: TrainingModelConfig
        var trainer: TrainerConfig
        var step: Int
        var tokensSeen: Int
        var cursor: DataCursor
        var parameterCount: Int
        var sequenceCount: Int  // of the data it trained on, to catch resuming on different data
    }

    struct Contents {
        var header: Header
        var parameters: FloatBuffer
        var m: FloatBuffer
        var v: FloatBuffer
    }

    static func write(_ header: Header, parameters: FloatBuffer, m: FloatBuffer, v: FloatBuffer, to path: String) throws {
        try ChecksummedFile.write(to: path, magic: magic, version: version, header: try JSONEncoder().encode(header)) { put in
            for block in [parameters, m, v] {
                try put(UnsafeRawBufferPointer(UnsafeBufferPointer(start: block.pointer, count: block.count)))
            }
        }
    }

    static func read(from path: String) throws -> Contents {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw TrainingError.io(path: path, reason: "cannot read the checkpoint: \(error.localizedDescription)")
        }
        return try data.withUnsafeBytes { bytes in try parse(bytes, path: path) }
    }

    private static func parse(_ bytes: UnsafeRawBufferPointer, path: String) throws -> Contents {
        func fail(_ why: String) -> TrainingError { .checkpoint("\(path): \(why)") }
        let frame: (header: Data, payloadStart: Int)
        do throws(ChecksummedFile.FrameError) {
            frame = try ChecksummedFile.frame(bytes, magic: magic, version: version)
        } catch {
            switch error {
            case .wrongMagic: throw fail("not a Distillery checkpoint")
            case .version(let found): throw fail("version \(found), this build reads \(version)")
            case .truncatedHeader: throw fail("truncated header")
            }
        }
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: frame.header) } catch { throw fail("unreadable header: \(error)") }
        try header.model.validate()
        guard header.cursor.epochSeed.count == 4, header.cursor.index >= 0, header.step >= 0 else {
            throw fail("bad step or data cursor")
        }
        let P = header.parameterCount
        guard P == ParameterLayout(header.model).count else { throw fail("parameter count does not match the config") }
        let floatsStart = frame.payloadStart, floatBytes = 4 * P
        guard bytes.count == floatsStart + 3 * floatBytes + 8 else {
            throw fail("\(bytes.count) bytes, expected \(floatsStart + 3 * floatBytes + 8) (truncated?)")
        }
        guard ChecksummedFile.checksumMatches(bytes, payloadEnd: floatsStart + 3 * floatBytes) else {
            throw fail("checksum mismatch: the file is corrupt")
        }
        let blocks = (0..<3).map { i in
            let block = FloatBuffer(count: P)
            UnsafeMutableRawBufferPointer(start: block.pointer, count: floatBytes)
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[(floatsStart + i * floatBytes)...].prefix(floatBytes)))
            return block
        }
        return Contents(header: header, parameters: blocks[0], m: blocks[1], v: blocks[2])
    }
}

extension Trainer {
    /// Saves weights, AdamW moments, step, tokens seen and the data cursor, atomically.
    public func saveCheckpoint(to path: String) throws {
        let header = Checkpoint.Header(model: model.config, trainer: config, step: step, tokensSeen: tokensSeen,
                                       cursor: cursor, parameterCount: model.parameterCount,
                                       sequenceCount: data.sequenceCount)
        try Checkpoint.write(header, parameters: model.parameters, m: optimizer.m, v: optimizer.v, to: path)
    }

    /// Continues a run from a checkpoint on the same data: same weights, moments, schedule position and
    /// data order, so the loss curve goes on as if the run had never stopped.
    /// `threads` is this process's OpenBLAS thread count: the machine that resumes a run may have other cores
    /// than the one that checkpointed it, so the count saved with the run is not reused.
    public convenience init(resumingFrom path: String, data: TrainingDataSource, threads: Int? = nil) throws {
        let contents = try Checkpoint.read(from: path)
        let header = contents.header
        guard header.sequenceCount == data.sequenceCount else {
            throw TrainingError.checkpoint("\(path): trained on \(header.sequenceCount) sequences, the data has "
                                           + "\(data.sequenceCount); resume needs the same data")
        }
        let model = try TrainingModel(config: header.model, parameters: contents.parameters.array)
        var config = header.trainer
        config.threads = threads
        try self.init(model: model, config: config, data: data, step: header.step,
                      tokensSeen: header.tokensSeen, cursor: header.cursor)
        optimizer.m.copy(from: contents.m)
        optimizer.v.copy(from: contents.v)
    }
}
