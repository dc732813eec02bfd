import ArgumentParser
import Foundation
import LedgerStore
import Localization
import Provenance

extension LedgerCommand {
    struct Append: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(
            abstract: tr("Append entries given as JSON: one body object, or an array of them appended atomically."),
            discussion: tr("A body is {{\"type\": T, ...fields}}. origin: origin_code, farm_id, crop (optional farm_name, commune, district, province, area_m2). lot: lot_code, origin_code, farm_id, cooperative, crop, harvest_date YYYY-MM-DD (optional quantity_g, gtin, gs1_uri, upload_digest). grading: as `agritrace grade` records it. correction: corrects (a seq), corrects_leaf (its leaf hash hex), reason, changes (object of corrected fields; optional lot_code, origin_code). key: signing key rotation. Unknown fields are refused. The ledger adds v, seq, prev, recorded_at, signer and sig. Integers only (no fractions). Field names and values stay as written, in every language. Prints `seq leaf-hash type` per appended entry.")
                + "\n\n" + ExitStatus.help(success: tr("appended"), readsLedger: true)
                + "\n\n" + tr("Example:") + """

                  agritrace ledger append --ledger coop.db --key ~/.config/agritrace/coop.key --file origin.json
                """) }

        @OptionGroup var path: LedgerPathOption

        @Option(help: ArgumentHelp(tr("Private key file of an active signer.")))
        var key: String

        @Option(help: ArgumentHelp(tr("Read the JSON from this file instead of standard input.")))
        var file: String?

        func run() throws {
            let ledger = try TraceabilitySupport.openVerifiedLedger(path.ledger, readOnly: false)
            let signer = try KeyFiles.signer(key, for: ledger)
            let input = try LedgerCommand.readInput(file: file)
            let source = file ?? tr("standard input")
            let records: [ProvenanceRecord]
            do {
                records = try Self.parseRecords(input)
            } catch let error as EntryError {
                throw CommandFailure(.usageError, "\(source): \(render(error))")
            }
            let result: AppendResult
            do {
                result = try ledger.append(records, signer: signer)
            } catch let error as LedgerError {
                // A refused entry is named with the input it came from, as a malformed one is.
                guard case .rejectedEntry = error else { throw error }
                throw CommandFailure(ExitStatus(for: error), "\(source): \(render(error))")
            }
            for entry in result.appended {
                FileHandleOutput.standardOutput.write("\(entry.seq) \(entry.leafHash.hex) \(entry.type)\n")
            }
        }

        /// One object, or an array of objects (each re-parsed as a body).
        static func parseRecords(_ input: [UInt8]) throws -> [ProvenanceRecord] {
            let value = try JSONParser.parse(input)
            switch value {
            case .object:
                return [try ProvenanceRecord(json: CanonicalJSON.encode(value))]
            case .array(let items):
                guard !items.isEmpty else { throw EntryError.malformedJSON(offset: 0, reason: Message("empty array: nothing to append")) }
                return try items.enumerated().map { index, item in
                    guard case .object = item else { throw EntryError.malformedJSON(offset: 0, reason: Message("element {index} is not an object", ["index": .text("\(index)")])) }
                    do { return try ProvenanceRecord(json: CanonicalJSON.encode(item)) } catch let error as EntryError {
                        throw EntryError.invalidField(field: "[\(index)]", reason: .describing(error))
                    }
                }
            default:
                throw EntryError.notAnObject
            }
        }
    }
}
