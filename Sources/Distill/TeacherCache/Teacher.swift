import Engine
import Foundation
import GGUF
import Tokenizer

/// `--teacher FILE[:WEIGHT]`: a teacher file and its weight in the mixture (default 1).
public struct TeacherSpec: Sendable, Equatable {
    public var path: String
    public var weight: Float

    public init(path: String, weight: Float = 1) {
        self.path = path
        self.weight = weight
    }

    /// "FILE" or "FILE:WEIGHT"; a colon not followed by a number stays part of the path.
    public init(argument: String) throws {
        if let colon = argument.lastIndex(of: ":"), let weight = Float(argument[argument.index(after: colon)...]) {
            guard weight >= 0, weight.isFinite else {
                throw DistillError.invalidOption("teacher weight must be a non-negative number, got '\(argument)'")
            }
            self.init(path: String(argument[..<colon]), weight: weight)
        } else {
            self.init(path: argument)
        }
        guard !path.isEmpty else { throw DistillError.invalidOption("--teacher needs a file") }
    }
}

/// A teacher loaded for the distillation: its file, digest, model and tokenizer.
public final class Teacher: Sendable {
    public let spec: TeacherSpec
    public let sha256: String
    public let file: GGUFFile
    public let model: any LanguageModel
    public let tokenizer: Tokenizer

    public init(_ spec: TeacherSpec) throws {
        self.spec = spec
        do {
            file = try GGUFFile(path: spec.path)
            tokenizer = try Tokenizer(gguf: file)
            model = try loadTeacherModel(file: file)
        } catch {
            throw DistillError.teacher(path: spec.path, reason: "\(error)")
        }
        sha256 = try SHA256.hex(fileAt: spec.path)
        guard model.config.vocabularySize >= tokenizer.vocabularySize else {
            throw DistillError.teacher(path: spec.path, reason: "the model has \(model.config.vocabularySize) output rows "
                                       + "but the tokenizer \(tokenizer.vocabularySize) tokens")
        }
    }

    public var architecture: String { file.architecture ?? "unknown" }
    public var parameterCount: Int { file.tensors.reduce(0) { $0 + $1.elementCount } }
    public var name: String { file.metadata["general.name"]?.string ?? (spec.path as NSString).lastPathComponent }

    /// Gemma teachers make every student a Gemma model derivative (the Gemma Terms of Use apply).
    public var isGemma: Bool {
        architecture.hasPrefix("gemma") || file.metadata["general.license"]?.string?.lowercased() == "gemma"
    }

    /// Several teachers are mixed token by token, so they must share one vocabulary exactly.
    static func checkSharedVocabulary(_ teachers: [Teacher]) throws {
        guard let first = teachers.first else { throw DistillError.invalidOption("at least one --teacher is needed") }
        for other in teachers.dropFirst() where other.tokenizer.vocabulary != first.tokenizer.vocabulary {
            throw DistillError.teachersDisagree("\(other.spec.path) has another vocabulary than \(first.spec.path) "
                                                + "(\(other.tokenizer.vocabularySize) and \(first.tokenizer.vocabularySize) "
                                                + "tokens); teachers must share one tokenizer")
        }
    }
}
