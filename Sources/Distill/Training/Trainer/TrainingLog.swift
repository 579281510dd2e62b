import Foundation

/// The curve as JSON Lines, one object per step, appended (a resumed run continues the same file).
public final class TrainingLog {
    public let path: String
    private let handle: FileHandle
    private let encoder: JSONEncoder

    public init(path: String) throws {
        self.path = path
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw TrainingError.io(path: path, reason: "cannot create the training log")
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw TrainingError.io(path: path, reason: "cannot open the training log for writing")
        }
        self.handle = handle
        encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = .sortedKeys
    }

    deinit { try? handle.close() }

    public func append(_ progress: TrainingProgress) throws {
        do {
            var line = try encoder.encode(progress)
            line.append(0x0A)
            try handle.seekToEnd()
            try handle.write(contentsOf: line)
        } catch {
            throw TrainingError.io(path: path, reason: "cannot append to the training log: \(error)")
        }
    }
}
