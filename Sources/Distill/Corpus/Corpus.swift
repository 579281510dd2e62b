import GGUF

/// Where the text comes from and how the held-out part is chosen.
public struct CorpusOptions: Sendable, Equatable {
    public var inputs: [String]
    public var filter: FileFilter
    /// Explicit held-out documents (`--eval-data`); when empty, `evalFraction` of the corpus is held out.
    public var evalInputs: [String]
    public var evalFraction: Double
    public var seed: UInt64

    public init(inputs: [String], filter: FileFilter = FileFilter(), evalInputs: [String] = [],
                evalFraction: Double = 0.02, seed: UInt64 = 0) {
        self.inputs = inputs
        self.filter = filter
        self.evalInputs = evalInputs
        self.evalFraction = evalFraction
        self.seed = seed
    }
}

/// The documents a run trains and evaluates on: read, exact duplicates dropped, split by document.
public struct Corpus: Sendable {
    public let training: [CorpusDocument]
    public let heldOut: [CorpusDocument]
    public let skipped: [SkippedInput]
    /// Exact copies of an earlier document (or of a held-out one) left out.
    public let duplicatesDropped: Int
    /// Digest of the training documents then the held-out ones, each as its length and bytes: the
    /// provenance of a student, independent of where the files were.
    public let sha256: String

    public var trainingBytes: Int { training.reduce(0) { $0 + $1.byteCount } }
    public var heldOutBytes: Int { heldOut.reduce(0) { $0 + $1.byteCount } }

    public static func load(_ options: CorpusOptions) throws -> Corpus {
        guard options.evalFraction >= 0, options.evalFraction < 1 else {
            throw DistillError.invalidOption("--eval-fraction must be in [0, 1), got \(options.evalFraction)")
        }
        let reader = CorpusReader(filter: options.filter)
        let main = reader.read(options.inputs)
        let explicit = options.evalInputs.isEmpty ? nil : reader.read(options.evalInputs)
        let skipped = main.skipped + (explicit?.skipped ?? [])

        var seen = Set<String>()
        var duplicates = 0
        func unique(_ documents: [CorpusDocument]) -> [CorpusDocument] {
            documents.filter { document in
                guard !document.text.allSatisfy(\.isWhitespace) else { return false }
                let fresh = seen.insert(SHA256.hex(document.text)).inserted
                if !fresh { duplicates += 1 }
                return fresh
            }
        }
        // Held-out documents first, so a training copy of one is what gets dropped.
        let explicitHeldOut = explicit.map { unique($0.documents) }
        let documents = unique(main.documents)
        if let explicit, explicitHeldOut?.isEmpty == true {
            throw DistillError.emptyCorpus("--eval-data \(options.evalInputs.joined(separator: ", ")) has no usable text"
                                           + Self.why(explicit.skipped))
        }
        guard !documents.isEmpty else {
            throw DistillError.emptyCorpus("\(options.inputs.joined(separator: ", ")) has no usable text" + Self.why(skipped))
        }

        let training: [CorpusDocument], heldOut: [CorpusDocument]
        if let explicitHeldOut {
            (training, heldOut) = (documents, explicitHeldOut)
        } else if options.evalFraction == 0 {
            (training, heldOut) = (documents, [])
        } else {
            guard documents.count >= 2 else {
                throw DistillError.emptyCorpus("a held-out split needs at least two documents and the corpus has one; "
                                               + "pass --eval-data, or --eval-fraction 0 to skip evaluation")
            }
            (training, heldOut) = HeldOutSplit.split(documents, fraction: options.evalFraction, seed: options.seed)
        }
        var digest = SHA256()
        for document in training + heldOut {
            digest.update(integer: UInt64(document.byteCount))
            digest.update(document.text)
        }
        return Corpus(training: training, heldOut: heldOut, skipped: skipped, duplicatesDropped: duplicates,
                      sha256: digest.finalizeHex())
    }

    private static func why(_ skipped: [SkippedInput]) -> String {
        guard !skipped.isEmpty else { return "" }
        return " (" + skipped.prefix(3).map(\.description).joined(separator: "; ")
            + (skipped.count > 3 ? "; and \(skipped.count - 3) more" : "") + ")"
    }
}
