import Foundation
import Localization

/// One signature line of a signed note: `— <name> base64(keyID(4) || signature)`.
public struct NoteSignature: Sendable, Equatable {
    public let name: String
    public let keyID: UInt32
    public let signature: [UInt8]

    public init(name: String, keyID: UInt32, signature: [UInt8]) {
        self.name = name
        self.keyID = keyID
        self.signature = signature
    }

    public var line: String {
        let id = (0..<4).map { UInt8(truncatingIfNeeded: keyID >> (24 - 8 * UInt32($0))) }
        return "\u{2014} \(name) \(Base64.encode(id + signature))\n"
    }

    /// The POSIX time carried by a cosignature/v1 signature.
    public var cosignatureTimestamp: UInt64? {
        guard signature.count == 72 else { return nil }
        return signature[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }
}

/// A C2SP signed note: text ending in a newline, a blank line, then signature lines.
public struct SignedNote: Sendable, Equatable {
    /// Upper bounds that keep a hostile note from costing much to parse.
    public static let maxBytes = 1 << 20
    public static let maxSignatures = 100

    public let text: String
    public private(set) var signatures: [NoteSignature]

    public init(text: String, signatures: [NoteSignature] = []) throws {
        guard text.hasSuffix("\n"), text.utf8.count > 1 else { throw NoteError.malformedNote(Message("text must be non-empty and end with a newline")) }
        try SignedNote.checkCharacters(text)
        self.text = text
        self.signatures = signatures
    }

    /// Strict parse of the serialized form.
    public init(parsing note: String) throws {
        guard note.utf8.count <= SignedNote.maxBytes else { throw NoteError.malformedNote(Message("larger than {max_bytes} bytes", ["max_bytes": .text("\(SignedNote.maxBytes)")])) }
        try SignedNote.checkCharacters(note)
        // The text ends at the last blank line: "\n\n" before the signature block.
        guard let separator = note.range(of: "\n\n", options: .backwards) else {
            throw NoteError.malformedNote(Message("no blank line before the signatures"))
        }
        let text = String(note[..<note.index(after: separator.lowerBound)])
        let block = note[separator.upperBound...]
        guard block.hasSuffix("\n"), !block.isEmpty else { throw NoteError.malformedNote(Message("signature block must end with a newline")) }
        var signatures = [NoteSignature]()
        for line in block.dropLast().split(separator: "\n", omittingEmptySubsequences: false) {
            guard signatures.count < SignedNote.maxSignatures else { throw NoteError.malformedNote(Message("more than {max_signatures} signatures", ["max_signatures": .text("\(SignedNote.maxSignatures)")])) }
            guard line.hasPrefix("\u{2014} ") else { throw NoteError.malformedNote(Message("signature line must start with an em dash and a space")) }
            let fields = line.dropFirst(2).split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count == 2 else { throw NoteError.malformedNote(Message("signature line is '— <name> <base64>'")) }
            let name = String(fields[0])
            do { try NoteVerifier.checkKeyName(name) } catch { throw NoteError.malformedNote(Message("bad key name '{name}'", ["name": .text("\(name)")])) }
            guard let raw = Base64.decode(fields[1]), raw.count > 4 else {
                throw NoteError.malformedNote(Message("signature of {name} is not base64 of key ID and signature", ["name": .text("\(name)")]))
            }
            let keyID = raw[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            signatures.append(NoteSignature(name: name, keyID: keyID, signature: Array(raw[4...])))
        }
        try self.init(text: text, signatures: signatures)
    }

    public var serialized: String { text + "\n" + signatures.map(\.line).joined() }

    /// Adds (or replaces) the signer's signature.
    public mutating func sign(with signer: NoteSigner, timestamp: UInt64 = 0) {
        signatures.removeAll { $0.name == signer.name && $0.keyID == signer.keyID }
        signatures.append(NoteSignature(name: signer.name, keyID: signer.keyID,
                                        signature: signer.noteSignature(noteText: text, timestamp: timestamp)))
    }

    /// Returns the trusted keys whose signatures verify. Per the spec, signatures from unknown keys
    /// are ignored, a failing signature from a known key rejects the note, and at least one known
    /// signature must verify.
    public func verify(trusting verifiers: [NoteVerifier]) throws -> [NoteVerifier] {
        var verified = [NoteVerifier]()
        for signature in signatures {
            guard let verifier = verifiers.first(where: { $0.name == signature.name && $0.keyID == signature.keyID }) else { continue }
            guard verifier.isValidSignature(signature.signature, noteText: text) else {
                throw NoteError.invalidSignature(keyName: signature.name, keyID: signature.keyID)
            }
            if !verified.contains(verifier) { verified.append(verifier) }
        }
        guard !verified.isEmpty else { throw NoteError.noVerifiedSignature(known: verifiers.map(\.vkey)) }
        return verified
    }

    /// UTF-8 is guaranteed by `String`; control characters other than newline are not allowed.
    private static func checkCharacters(_ text: String) throws {
        for unit in text.utf8 where unit < 0x20 && unit != 0x0a || unit == 0x7f {
            throw NoteError.malformedNote(Message("contains control character 0x{code}", ["code": .text("\(String(unit, radix: 16))")]))
        }
    }
}
