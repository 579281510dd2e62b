import GGUF
import HTTP

/// A secret that requests must present as `Authorization: Bearer <secret>`. Compared in constant time:
/// both sides are hashed first, so neither the content nor the length of the secret leaks through timing.
struct BearerToken: Sendable {
    private let digest: [UInt8]

    /// nil for a missing or empty secret (the routes stay open).
    init?(_ secret: String?) {
        guard let secret, !secret.isEmpty else { return nil }
        digest = SHA256.hash(Array(secret.utf8))
    }

    enum Outcome: Equatable {
        case accepted, missing, wrong
    }

    func check(_ headers: HTTPHeaders) -> Outcome {
        guard let field = headers["Authorization"] else { return .missing }
        let parts = field.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return .wrong }
        return matches(String(parts[1]).trimmingCharacters()) ? .accepted : .wrong
    }

    func matches(_ candidate: String) -> Bool {
        let other = SHA256.hash(Array(candidate.utf8))
        var difference: UInt8 = 0
        for (a, b) in zip(digest, other) { difference |= a ^ b }
        return difference == 0
    }
}

extension String {
    fileprivate func trimmingCharacters() -> String {
        var slice = Substring(self)
        while slice.first == " " || slice.first == "\t" { slice = slice.dropFirst() }
        while slice.last == " " || slice.last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
