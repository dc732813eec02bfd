import Crypto
import Foundation
import Localization

/// Signature types of the C2SP signed-note spec that AgriTrace uses.
public enum NoteSignatureType: UInt8, Sendable {
    /// Plain Ed25519 over the note text: the log's own checkpoint signature.
    case ed25519 = 0x01
    /// C2SP tlog-cosignature `cosignature/v1`: timestamped Ed25519 by a witness.
    case cosignatureV1 = 0x04
}

/// A public verifier key in the signed-note "vkey" text form `<name>+<hex key ID>+<base64(type || key)>`.
public struct NoteVerifier: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    public let type: NoteSignatureType
    public let publicKey: [UInt8]
    public let keyID: UInt32

    public init(name: String, type: NoteSignatureType, publicKey: [UInt8]) throws {
        try NoteVerifier.checkKeyName(name)
        guard publicKey.count == 32, (try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey)) != nil else {
            throw NoteError.malformedKey(Message("an Ed25519 public key has 32 bytes"))
        }
        self.name = name
        self.type = type
        self.publicKey = publicKey
        keyID = NoteVerifier.keyID(name: name, type: type, publicKey: publicKey)
    }

    /// Parses the vkey text form; surrounding whitespace (a trailing newline in a file) is ignored.
    public init(vkey text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = trimmed.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw NoteError.malformedKey(Message("a vkey is <name>+<key id>+<base64 key>")) }
        guard let declaredID = UInt32(parts[1], radix: 16), parts[1].count == 8 else {
            throw NoteError.malformedKey(Message("key id must be 8 hex digits"))
        }
        guard let raw = Base64.decode(parts[2]), raw.count == 33 else {
            throw NoteError.malformedKey(Message("key material must be base64 of 33 bytes (type byte + Ed25519 key)"))
        }
        guard let type = NoteSignatureType(rawValue: raw[0]) else {
            throw NoteError.malformedKey(Message("unsupported signature type 0x{code}", ["code": .text("\(String(raw[0], radix: 16))")]))
        }
        try self.init(name: String(parts[0]), type: type, publicKey: Array(raw[1...]))
        guard keyID == declaredID else { throw NoteError.malformedKey(Message("key id does not match the key")) }
    }

    public var vkey: String { "\(name)+\(KeyID.hex(keyID))+\(Base64.encode([type.rawValue] + publicKey))" }
    public var description: String { vkey }
    public var keyIDHex: String { KeyID.hex(keyID) }

    /// `SHA-256(name || 0x0A || type || key)[:4]`, big-endian.
    public static func keyID(name: String, type: NoteSignatureType, publicKey: [UInt8]) -> UInt32 {
        let digest = Array(SHA256.hash(data: Array(name.utf8) + [0x0a, type.rawValue] + publicKey))
        return digest[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    /// Key names must be non-empty and contain neither Unicode spaces nor '+'.
    public static func checkKeyName(_ name: String) throws {
        guard !name.isEmpty else { throw NoteError.malformedKey(Message("key name is empty")) }
        for scalar in name.unicodeScalars {
            if scalar == "+" || scalar.properties.isWhitespace || scalar.value < 0x20 || scalar.value == 0x7f {
                throw NoteError.malformedKey(Message("key name '{name}' contains a space, control character or '+'", ["name": .text("\(name)")]))
            }
        }
    }

    /// Checks a note signature (without its 4-byte key ID) over `noteText`.
    /// For cosignatures the signed message is the `cosignature/v1` preamble plus the text.
    public func isValidSignature(_ signature: [UInt8], noteText: String) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
        switch type {
        case .ed25519:
            return signature.count == 64 && key.isValidSignature(signature, for: Array(noteText.utf8))
        case .cosignatureV1:
            guard signature.count == 72 else { return false }
            let timestamp = signature[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard timestamp <= UInt64(Int64.max) else { return false }
            return key.isValidSignature(Array(signature[8...]),
                                        for: Cosignature.message(noteText: noteText, timestamp: timestamp))
        }
    }
}

/// A private signing key. Its text form carries the unmistakable prefix `PRIVATE+KEY+`
/// (`PRIVATE+KEY+<name>+<hex key ID>+<base64(type || 32-byte seed)>`), and `description` never
/// prints the key, so it cannot leak through logs or error messages.
///
/// `@unchecked Sendable`: swift-crypto's key is an immutable value that BoringSSL only reads, so
/// sharing it between signing threads is safe although the type is not annotated.
public struct NoteSigner: @unchecked Sendable, CustomStringConvertible {
    public static let privatePrefix = "PRIVATE+KEY+"
    public let verifier: NoteVerifier
    private let privateKey: Curve25519.Signing.PrivateKey

    public var name: String { verifier.name }
    public var keyID: UInt32 { verifier.keyID }
    public var publicKey: [UInt8] { verifier.publicKey }
    public var description: String { "signing key \(verifier.name)+\(verifier.keyIDHex)" }

    /// A fresh random key.
    public static func generate(name: String, type: NoteSignatureType = .ed25519) throws -> NoteSigner {
        try NoteSigner(name: name, type: type, seed: Array(Curve25519.Signing.PrivateKey().rawRepresentation))
    }

    public init(name: String, type: NoteSignatureType = .ed25519, seed: [UInt8]) throws {
        guard seed.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else {
            throw NoteError.malformedKey(Message("an Ed25519 private key seed has 32 bytes"))
        }
        privateKey = key
        verifier = try NoteVerifier(name: name, type: type, publicKey: Array(key.publicKey.rawRepresentation))
    }

    /// Parses the private key text form.
    public init(privateKeyText text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix(NoteSigner.privatePrefix) else {
            throw NoteError.malformedKey(Message("a private key starts with {private_prefix}", ["private_prefix": .text("\(NoteSigner.privatePrefix)")]))
        }
        let parts = trimmed.dropFirst(NoteSigner.privatePrefix.count).split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw NoteError.malformedKey(Message("a private key is PRIVATE+KEY+<name>+<key id>+<base64 key>")) }
        guard let declaredID = UInt32(parts[1], radix: 16), parts[1].count == 8 else {
            throw NoteError.malformedKey(Message("key id must be 8 hex digits"))
        }
        guard let raw = Base64.decode(parts[2]), raw.count == 33, let type = NoteSignatureType(rawValue: raw[0]) else {
            throw NoteError.malformedKey(Message("key material must be base64 of a type byte and a 32-byte seed"))
        }
        try self.init(name: String(parts[0]), type: type, seed: Array(raw[1...]))
        guard keyID == declaredID else { throw NoteError.malformedKey(Message("key id does not match the key")) }
    }

    /// The private text form; write it only to a file with mode 0600.
    public var privateKeyText: String {
        "\(NoteSigner.privatePrefix)\(name)+\(verifier.keyIDHex)+\(Base64.encode([verifier.type.rawValue] + Array(privateKey.rawRepresentation)))"
    }

    /// Ed25519 signature over raw bytes (ledger entries are signed this way).
    public func sign(bytes: [UInt8]) -> [UInt8] {
        // BoringSSL's Ed25519 cannot fail for a valid key; a throw here is a broken invariant.
        Array(try! privateKey.signature(for: bytes))
    }

    /// The signature for a note line (without key ID): plain Ed25519 over the text, or for
    /// cosigners `timestamp(8, big-endian) || Ed25519(cosignature/v1 message)`.
    public func noteSignature(noteText: String, timestamp: UInt64 = 0) -> [UInt8] {
        switch verifier.type {
        case .ed25519:
            return sign(bytes: Array(noteText.utf8))
        case .cosignatureV1:
            let time = (0..<8).map { UInt8(truncatingIfNeeded: timestamp >> (56 - 8 * UInt64($0))) }
            return time + sign(bytes: Cosignature.message(noteText: noteText, timestamp: timestamp))
        }
    }
}

/// C2SP tlog-cosignature `cosignature/v1` signed message.
public enum Cosignature {
    public static func message(noteText: String, timestamp: UInt64) -> [UInt8] {
        Array("cosignature/v1\ntime \(timestamp)\n".utf8) + Array(noteText.utf8)
    }
}

extension NoteVerifier {
    /// Plain Ed25519 over arbitrary bytes (ledger entries), independent of the note type byte.
    public func isValidEntrySignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard signature.count == 64, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
        return key.isValidSignature(signature, for: message)
    }
}
