/// A vocabulary cut down to some of its tokens, with the id maps both ways.
public struct TrimmedVocabulary: Sendable {
    public let vocabulary: TokenizerVocabulary
    /// Indexed by the old id: the new id, or -1 where the token was dropped. [V_old]
    public let oldToNew: [Int32]
    /// Indexed by the new id: the old id. [V_new]
    public let newToOld: [Int32]
}

extension TokenizerVocabulary {
    /// Ids every trimmed vocabulary keeps so that any text still encodes and decodes and generation still
    /// stops: the 256 byte tokens (byte fallback), the ids named in `specialIDs` (BOS, EOS, UNK, padding,
    /// ...), the end-of-generation tokens (Gemma's `<end_of_turn>`) and the lone "▁" piece, without which
    /// a space would fall back to the bytes of "▁" and decode as "▁", not as a space.
    public var requiredIDs: [Int32] {
        var ids = Set(specialIDs.allIDs + endOfGenerationIDs)
        let spaceMark = Array("\u{2581}".utf8)
        for id in types.indices where types[id] == .byte || (types[id] == .normal && tokens[id].utf8.elementsEqual(spaceMark)) {
            ids.insert(Int32(id))
        }
        return ids.sorted()
    }

    /// Control, user-defined and unknown tokens, the ones matched as text before merging. Tokens named
    /// "<unused...>" are left out unless asked for: Gemma has 6,000 of them.
    public func specialTokenIDs(includingUnused: Bool = false) -> [Int32] {
        types.indices.filter { id in
            switch types[id] {
            case .control, .userDefined, .unknown:
                includingUnused || !(types[id] == .control && tokens[id].contains("unused"))
            default: false
            }
        }.map { Int32($0) }
    }

    /// A vocabulary of `ids` plus `requiredIDs`, in the old order (so specials stay in front), with
    /// scores, types, flags and special roles carried over. Every text still round-trips through byte
    /// fallback, but pieces whose merge path went through a dropped piece are no longer reachable.
    public func trimmed(keeping ids: some Sequence<Int32>) throws(TokenizerError) -> TrimmedVocabulary {
        var keep = Array(repeating: false, count: count)
        for id in ids {
            guard id >= 0, Int(id) < count else { throw .idOutOfRange(id, vocabularySize: count) }
            keep[Int(id)] = true
        }
        for id in requiredIDs { keep[Int(id)] = true }

        var oldToNew = Array(repeating: Int32(-1), count: count)
        var newToOld: [Int32] = []
        for old in 0..<count where keep[old] {
            oldToNew[old] = Int32(newToOld.count)
            newToOld.append(Int32(old))
        }
        let vocabulary = try TokenizerVocabulary(
            tokens: newToOld.map { tokens[Int($0)] },
            scores: newToOld.map { scores[Int($0)] },
            types: newToOld.map { types[Int($0)] },
            specialIDs: specialIDs.mapped { oldToNew[Int($0)] },
            addBOS: addBOS, addEOS: addEOS, addSpacePrefix: addSpacePrefix,
            preTokenizer: preTokenizer, chatTemplate: chatTemplate)
        return TrimmedVocabulary(vocabulary: vocabulary, oldToNew: oldToNew, newToOld: newToOld)
    }
}
