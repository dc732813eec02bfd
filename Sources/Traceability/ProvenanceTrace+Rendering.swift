import LedgerStore
import Localization

extension ProvenanceTrace {
    /// The human listing: a heading, one block per entry (seq, time, description, leaf hash),
    /// then the covering checkpoint.
    public func text(_ p: Presentation = .english) -> String {
        var out: String
        switch resolved {
        case .lot(let code): out = p(Message("Provenance of lot {lot}", ["lot": .text(code)])) + "\n"
        case .identifier(let id): out = p(Message("Provenance of lot {lot} ({uri})", ["lot": .text(id.lot), "uri": .text(id.uri)])) + "\n"
        case .origin(let code): out = p(Message("Provenance of origin code {code}", ["code": .text(code)])) + "\n"
        }
        for (code, state) in lotStates {
            switch state {
            case .success(let state):
                out += p(Message("Now: lot {lot}: {status}", ["lot": .text(code), "status": .text(state.statusText(p))])) + "\n"
            case .failure(let error):
                out += p(Message("Now: lot {lot}: its entries do not form one lot's record ({error}); run `agritrace ledger verify`",
                                 ["lot": .text(code), "error": .text(p.describe(error))])) + "\n"
            }
        }
        out += "\n"
        for entry in entries {
            out += "#\(entry.seq)  \(p.localizer.timestamp(entry.recordedAt))  \(EntrySummary.describe(entry, p))\n"
            out += "      " + p(Message("leaf hash {hash}", ["hash": .text(entry.leafHash.hex)])) + "\n"
        }
        out += "\n"
        if let checkpoint {
            let arguments: [String: MessageArgument] = [
                "number": .text(String(checkpoint.number)), "ledger": .text(checkpoint.origin),
                "size": .integer(checkpoint.treeSize), "root": .text(checkpoint.rootHash)]
            out += p(Message("Latest checkpoint covering these entries: checkpoint #{number} of ledger {ledger}, tree size {size}, root {root}", arguments))
            if !checkpoint.signers.isEmpty {
                out += ", " + p(Message("signed by {signers}", ["signers": .text(checkpoint.signers.joined(separator: ", "))]))
            }
            out += "\n"
        } else {
            let last = entries.map(\.seq).max() ?? 0
            out += p(Message("No checkpoint covers entry #{seq} yet: run `agritrace ledger checkpoint` before handing out proofs.",
                             ["seq": .text(String(last))])) + "\n"
        }
        return out
    }

    public func json() -> OrderedJSON {
        let kind: (String, String)
        switch resolved {
        case .lot(let code): kind = ("lot", code)
        case .identifier(let id): kind = ("lot", id.lot)
        case .origin(let code): kind = ("origin", code)
        }
        var checkpointJSON = OrderedJSON.null
        if let checkpoint {
            checkpointJSON = .object([
                ("number", .int(checkpoint.number)),
                ("origin", .string(checkpoint.origin)),
                ("tree_size", .int(checkpoint.treeSize)),
                ("root_hash", .string(checkpoint.rootHash)),
                ("signers", .array(checkpoint.signers.map(OrderedJSON.string))),
            ])
        }
        return .object([
            ("query", .string(query)),
            ("kind", .string(kind.0)),
            ("code", .string(kind.1)),
            ("entries", .array(entries.map { entry in
                .object([
                    ("seq", .int(entry.seq)),
                    ("type", .string(entry.type)),
                    ("recorded_at", .string(entry.recordedAt)),
                    ("leaf_hash", .string(entry.leafHash.hex)),
                    ("summary", .string(EntrySummary.describe(entry))),
                    ("entry", OrderedJSON(entry.body.json)),
                ])
            })),
            ("lots", .array(lotStates.map { code, result in
                guard case .success(let state) = result else {
                    return .object([("lot_code", .string(code)), ("status", .string("not one lot's record"))])
                }
                let current = state.current
                return .object([
                    ("lot_code", .string(code)),
                    ("held", .bool(state.isHeld)),
                    // No grade may be claimed for a held lot; the grading's suggestion is beside it.
                    ("grade", state.isHeld ? .null : current.map { .string($0.grade) } ?? .null),
                    ("suggested_grade", current.map { .string($0.grading.lotGrade) } ?? .null),
                    ("hold_reason", current?.grading.holdReason.map { .string($0.rawValue) } ?? .null),
                    ("lot_confidence_bp", current?.grading.lotConfidenceBP.map { .int($0) } ?? .null),
                    ("grading_seq", current.map { .int($0.gradingEntry.seq) } ?? .null),
                    ("decided_by_correction", current?.decision.map { .int($0.entry.seq) } ?? .null),
                    ("status", .string(state.statusText())),
                ])
            })),
            ("checkpoint", checkpointJSON),
        ])
    }
}
