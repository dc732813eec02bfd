import Foundation
import Localization
import LedgerStore
import MerkleLog

/// Loading the key files a command is given, with the checks every command wants: the file
/// exists, it is the right kind of key, and a signing key belongs to the ledger it will sign.
enum KeyFiles {
    /// The cooperative's private signing key; a witness key is refused.
    static func signer(_ path: String) throws -> NoteSigner {
        try InputFile.require(path, tr("signing key", context: "file kind"))
        try refusePublicKey(path, tr("signing key", context: "file kind"))
        let signer = try SigningKeyFile.load(path)
        guard signer.verifier.type != .cosignatureV1 else {
            throw CommandFailure(.usageError, tr("signing key {file}: this is a witness key (from `keys generate --witness`); give the cooperative's signing key",
                                                 ["file": .text(path)]))
        }
        return signer
    }

    /// The cooperative's signing key, which must be an active signer of `ledger`: checked before
    /// any work so a wrong key never costs a grading run.
    static func signer(_ path: String, for ledger: Ledger) throws -> NoteSigner {
        let signer = try signer(path)
        guard try ledger.isActiveSigner(signer.verifier) else {
            throw CommandFailure(.usageError, tr("signing key {file}: key {name} is not an active signer of the ledger {ledger}; give the key the ledger was created with (or a key added to it)",
                                                 ["file": .text(path), "name": .text(signer.verifier.name), "ledger": .text(ledger.path)]))
        }
        return signer
    }

    /// A witness's private cosigning key; an ordinary signing key is refused.
    static func witness(_ path: String) throws -> NoteSigner {
        try InputFile.require(path, tr("witness key", context: "file kind"))
        try refusePublicKey(path, tr("witness key", context: "file kind"))
        let signer = try SigningKeyFile.load(path)
        guard signer.verifier.type == .cosignatureV1 else {
            throw CommandFailure(.usageError, tr("witness key {file}: not a witness key; create one with `keys generate --witness`", ["file": .text(path)]))
        }
        return signer
    }

    /// A public vkey file given where a private key is needed: said first, because the private key
    /// loader would complain about the (normal) permissions of a public file.
    private static func refusePublicKey(_ path: String, _ what: String) throws {
        // Only a regular file is read twice: a pipe's key would be consumed here.
        guard Message.notRegularFile(path) == nil,
              let text = try? String(contentsOfFile: path, encoding: .utf8), text.utf8.count < 4096,
              (try? NoteVerifier(vkey: text.trimmingCharacters(in: .whitespacesAndNewlines))) != nil else { return }
        throw CommandFailure(.usageError, tr("{what} {file}: this is a public (verifier) key; give the private key file it was made from",
                                             ["what": .text(what), "file": .text(path)]))
    }

    /// A public verifier key (vkey) file.
    static func verifier(_ path: String, _ what: String = tr("verifier key", context: "file kind")) throws -> NoteVerifier {
        try InputFile.require(path, what)
        return try SigningKeyFile.loadVerifier(path)
    }
}
