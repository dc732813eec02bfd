import LedgerStore

extension ProvenanceTrace {
    /// The human listing: a heading, one block per entry (seq, time, description, leaf hash),
    /// then the covering checkpoint.
    public func text() -> String {
        var out: String
        switch resolved {
        case .lot(let code): out = "Provenance of lot \(code)\n"
        case .identifier(let id): out = "Provenance of lot \(id.lot) (\(id.uri))\n"
        case .origin(let code): out = "Provenance of origin code \(code)\n"
        }
        for (code, state) in lotStates {
            switch state {
            case .success(let state): out += "Now: lot \(code): \(state.statusText)\n"
            case .failure(let error): out += "Now: lot \(code): its entries do not form one lot's record (\(error)); run `agritrace ledger verify`\n"
            }
        }
        out += "\n"
        for entry in entries {
            out += "#\(entry.seq)  \(entry.recordedAt)  \(EntrySummary.describe(entry))\n"
            out += "      leaf hash \(entry.leafHash.hex)\n"
        }
        out += "\n"
        if let checkpoint {
            out += "Latest checkpoint covering these entries: checkpoint #\(checkpoint.number) of ledger \(checkpoint.origin), "
            out += "tree size \(checkpoint.treeSize), root \(checkpoint.rootHash)"
            if !checkpoint.signers.isEmpty { out += ", signed by \(checkpoint.signers.joined(separator: ", "))" }
            out += "\n"
        } else {
            let last = entries.map(\.seq).max() ?? 0
            out += "No checkpoint covers entry #\(last) yet: run `agritrace ledger checkpoint` before handing out proofs.\n"
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
                    ("grading_seq", current.map { .int($0.gradingEntry.seq) } ?? .null),
                    ("decided_by_correction", current?.decision.map { .int($0.entry.seq) } ?? .null),
                    ("status", .string(state.statusText)),
                ])
            })),
            ("checkpoint", checkpointJSON),
        ])
    }
}
