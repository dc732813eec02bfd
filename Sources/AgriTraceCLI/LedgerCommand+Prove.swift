import ArgumentParser
import Foundation
import LedgerStore
import Localization
import MerkleLog

extension LedgerCommand {
    struct Prove: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(
            abstract: tr("Write a C2SP tlog-proof@v1 file for an entry, or print a consistency proof."),
            discussion: tr("--entry SEQ uses the latest stored checkpoint covering the entry (or signs a fresh one with --key). The proof's `extra` line is the entry's canonical bytes in base64. --consistency OLD NEW prints the RFC 9162 consistency proof, one base64 hash per line.")
                + "\n\n" + ExitStatus.help(success: tr("proof written"), readsLedger: true)
                + "\n\n" + tr("Examples:") + """

                  agritrace ledger prove --ledger coop.db --entry 5 --out entry5.tlog-proof
                  agritrace ledger prove --ledger coop.db --consistency 4 9
                """) }

        @OptionGroup var path: LedgerPathOption

        @Option(help: ArgumentHelp(tr("The entry's seq.")))
        var entry: Int?

        @Option(parsing: .upToNextOption, help: ArgumentHelp(tr("Two tree sizes OLD NEW.")))
        var consistency: [Int] = []

        @Option(help: ArgumentHelp(tr("Sign a fresh checkpoint with this private key file.")))
        var key: String?

        @Option(help: ArgumentHelp(tr("Write the proof here instead of standard output.")))
        var out: String?

        func validate() throws {
            if (entry == nil) == consistency.isEmpty { throw ValidationError(tr("give either --entry SEQ or --consistency OLD NEW")) }
            if !consistency.isEmpty, consistency.count != 2 { throw ValidationError(tr("--consistency takes two sizes: OLD NEW")) }
            if consistency.count == 2, consistency[0] < 0 || consistency[0] > consistency[1] {
                throw ValidationError(tr("--consistency OLD NEW needs 0 <= OLD <= NEW, got {old} {new}",
                                          ["old": .text(String(consistency[0])), "new": .text(String(consistency[1]))]))
            }
            if let entry, entry < 0 { throw ValidationError(tr("--entry must not be negative")) }
        }

        func run() throws {
            let ledger = try TraceabilitySupport.openVerifiedLedger(path.ledger, readOnly: key == nil)
            let text: String
            if let entry {
                // Named here: the store's own error would suggest signing a checkpoint instead.
                let size = try ledger.size()
                guard entry < size else {
                    throw CommandFailure(.usageError, tr("entry {seq} does not exist: the ledger {file} has {n} entry (#0–#{last})",
                                                         plural: "entry {seq} does not exist: the ledger {file} has {n} entries (#0–#{last})", count: size,
                                                         ["seq": .text(String(entry)), "file": .text(path.ledger), "last": .text(String(max(size - 1, 0)))]))
                }
                let signer = try key.map { try KeyFiles.signer($0, for: ledger) }
                text = try ledger.proof(seq: entry, signer: signer).serialized
            } else {
                let proof = try ledger.consistencyProof(oldSize: consistency[0], newSize: consistency[1])
                text = proof.map { $0.base64 + "\n" }.joined()
            }
            if let out {
                try TraceabilitySupport.write(Array(text.utf8), to: out, inputs: [path.ledger] + (key.map { [$0] } ?? []))
            } else {
                FileHandleOutput.standardOutput.write(text)
            }
        }
    }
}
