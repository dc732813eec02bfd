import ArgumentParser
import Foundation
import LedgerStore
import Localization
import MerkleLog

/// `agritrace keys generate`: a new Ed25519 key for a ledger (or a witness).
struct KeysCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "keys", abstract: tr("Generate signing keys."),
        discussion: tr("Example:") + """

              agritrace keys generate --name coop.example/ledger --out ~/.config/agritrace/coop.key > coop.vkey
            """,
        subcommands: [Generate.self]) }

    struct Generate: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(
            commandName: "generate",
            abstract: tr("Write a new private key file (mode 0600) and print its public verifier key (vkey)."),
            discussion: tr("The private key file holds one line starting PRIVATE+KEY+ (the Go sumdb/note form); keep it secret and out of any repository: the user's config folder is a good place (missing folders are created, mode 0700). The printed vkey (`<name>+<key id>+<base64 key>`) is what buyers, inspectors and witnesses use to check signatures; redirect it to a file and hand it out.")
                + "\n\n" + ExitStatus.help(success: tr("key written"))
                + "\n\n" + tr("Example:") + """

                  agritrace keys generate --name coop.example/ledger --out ~/.config/agritrace/coop.key > coop.vkey
                """) }

        @Option(help: ArgumentHelp(tr("Key name; a ledger's checkpoints use it as origin (e.g. coop.example/ledger). No spaces or '+'.")))
        var name: String

        @Option(help: ArgumentHelp(tr("Private key file to create (never overwritten).")))
        var out: String

        @Flag(help: ArgumentHelp(tr("Make a witness cosigning key (C2SP cosignature/v1, type 0x04) instead of a ledger key.")))
        var witness = false

        func validate() throws {
            do { try NoteVerifier.checkKeyName(name) } catch {
                throw ValidationError(name.isEmpty ? tr("--name is empty: give the key a name such as coop.example/ledger")
                                      : tr("--name '{name}': a key name may not contain spaces, control characters or '+'", ["name": .text(name)]))
            }
        }

        func run() throws {
            let folder = URL(fileURLWithPath: out).deletingLastPathComponent()
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw CommandFailure(.internalFailure, tr("cannot create {path}: {reason}", ["path": .text(folder.path), "reason": .message(.fileError(error))]))
            }
            let signer = try NoteSigner.generate(name: name, type: witness ? .cosignatureV1 : .ed25519)
            try SigningKeyFile.write(signer, to: out)
            FileHandleOutput.standardOutput.write(signer.verifier.vkey + "\n")
        }
    }
}
