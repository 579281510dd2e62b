import Engine
import Foundation
import GGUF
import Tensors
import Tokenizer
@testable import Distill

/// A small Python-like corpus, the same on every run.
enum SyntheticCorpus {
    static let names = ["value", "items", "count", "total", "result", "index", "name", "data", "key", "node"]
    static let verbs = ["load", "parse", "merge", "split", "build", "check", "update", "render"]

    /// `count` documents of a few hundred bytes each, all different.
    static func documents(count: Int, seed: UInt64 = 1) -> [String] {
        var rng = SeededRandom(seed: seed)
        func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }
        return (0..<count).map { d in
            var text = "import os\n\n"
            for f in 0..<(2 + d % 3) {
                let a = pick(names), b = pick(names)
                text += "def \(pick(verbs))_\(a)_\(f)(\(a), \(b)=None):\n"
                text += "    \"\"\"\(pick(verbs).capitalized) the \(a) with \(b).\"\"\"\n"
                text += "    \(pick(names)) = \(a) + \(d * 7 + f)\n"
                text += "    if \(b) is None:\n        return \(a)\n"
                text += "    for \(pick(names)) in range(\(f + 2)):\n        \(a) = \(pick(verbs))(\(a), \(b))\n"
                text += "    return \(a)\n\n"
            }
            return text
        }
    }
}

/// A random Llama teacher with a SentencePiece vocabulary learnt from the corpus, written as a GGUF file
/// exactly as a real teacher would be: what the pipeline tests distill from.
enum SyntheticTeacher {
    /// Specials first (as Gemma's), the 256 bytes, "▁", then corpus pieces (all substrings of the
    /// corpus's frequent words, so every piece has a merge path) scored by frequency.
    static func vocabulary(for texts: [String], pieces: Int = 500) throws -> TokenizerVocabulary {
        var counts: [String: Int] = [:]
        for text in texts {
            for word in text.replacingOccurrences(of: "\n", with: " ").split(separator: " ") {
                let characters = Array("▁" + word)
                for length in 1...min(6, characters.count) {
                    for start in 0...(characters.count - length) {
                        counts[String(characters[start..<(start + length)]), default: 0] += 1
                    }
                }
            }
        }
        let chosen = counts.filter { $0.key != "▁" }.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
            .prefix(pieces)
        let specials: [(String, TokenType)] = [("<pad>", .control), ("<eos>", .control), ("<bos>", .control),
                                               ("<unk>", .unknown), ("\n", .userDefined), ("    ", .userDefined)]
        let tokens = specials.map(\.0) + (0...255).map { TokenizerVocabulary.byteTokenText(UInt8($0)) } + ["▁"]
            + chosen.map(\.key)
        let scores = Array(repeating: Float(-1000), count: specials.count) + Array(repeating: 0, count: 256) + [-1]
            + chosen.map { Float(log(Double($0.value))) - 1 }
        let types = specials.map(\.1) + Array(repeating: TokenType.byte, count: 256)
            + Array(repeating: TokenType.normal, count: chosen.count + 1)
        return try TokenizerVocabulary(tokens: tokens, scores: scores, types: types,
                                       specialIDs: SpecialTokenIDs(bos: 2, eos: 1, unknown: 3, padding: 0),
                                       addBOS: true, addSpacePrefix: false)
    }

    /// Writes the teacher to `path` and returns its vocabulary size.
    @discardableResult
    /// `shape` nil: a 2-layer llama teacher; otherwise this shape over the corpus vocabulary.
    static func write(to path: String, texts: [String], seed: UInt64 = 7, embedding: Int = 32,
                      license: String? = nil, shape: ((Int) -> TrainingModelConfig)? = nil) throws -> Int {
        let vocabulary = try vocabulary(for: texts)
        let config = shape?(vocabulary.count)
            ?? TrainingModelConfig(vocabularySize: vocabulary.count, embeddingLength: embedding, layerCount: 2,
                                   headCount: 2, feedForwardLength: 64, contextLength: 512)
        let model = try TrainingModel(config: config, seed: seed)
        // Large embedding and output weights make its predictions peaked, so there is something to learn.
        for name in ["token_embd.weight", "output.weight"] {
            guard let tensor = model.layout.tensor(named: name) else { continue }
            for i in tensor.offset..<(tensor.offset + tensor.count) { model.parameters[i] *= 12 }
        }
        var writer = try StudentGGUF.writer(model: model, vocabulary: vocabulary, weightType: .f32,
                                            name: "synthetic-teacher")
        if let license { writer.set("general.license", .string(license)) }
        try writer.write(to: path)
        return vocabulary.count
    }
}

/// A fresh folder under the temporary directory, removed by `cleanUp`.
struct TemporaryFolder {
    let path: String

    init(_ name: String = #function) throws {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        path = FileManager.default.temporaryDirectory.appendingPathComponent("distill-\(safe)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    func write(_ text: String, to name: String) throws {
        let full = file(name)
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: true, encoding: .utf8)
    }

    func cleanUp() { try? FileManager.default.removeItem(atPath: path) }
}
