import ArgumentParser
import Foundation
import LedgerStore
import MerkleLog
import Traceability

/// Shared plumbing of the buyer and inspector commands: opening the ledger, loading keys,
/// and turning failures into the documented exit statuses with a message on stderr.
enum TraceabilitySupport {
    /// Opens a ledger for reading; a missing or foreign file is a ledger problem (exit 3).
    static func openLedger(_ path: String, readOnly: Bool = true) throws -> Ledger {
        do {
            return try Ledger(path: path, readOnly: readOnly)
        } catch {
            fail("cannot open ledger \(path): \(error)", status: 3)
        }
    }

    /// Reads the whole ledger; a ledger whose entries cannot all be decoded is exit 3.
    static func snapshot(of ledger: Ledger) throws -> LedgerSnapshot {
        do {
            return try LedgerSnapshot(reading: ledger)
        } catch {
            fail("cannot read ledger \(ledger.path): \(error); run `agritrace ledger verify` for details", status: 3)
        }
    }

    /// A verifier key file (`name+keyid+base64`); an unreadable or malformed one is a usage error.
    static func loadVerifier(_ path: String) throws -> NoteVerifier {
        do {
            return try SigningKeyFile.loadVerifier(path)
        } catch {
            fail("cannot use verifier key \(path): \(error)", status: 2)
        }
    }

    static func loadSigner(_ path: String) throws -> NoteSigner {
        do {
            return try SigningKeyFile.load(path)
        } catch {
            fail("cannot use signing key \(path): \(error)", status: 2)
        }
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            fail("cannot write \(path): \(error.localizedDescription)", status: 1)
        }
    }

    static func fail(_ message: String, status: Int32) -> Never {
        FileHandleOutput.standardError.write("agritrace: \(message)\n")
        Foundation.exit(status)
    }

    /// Now as RFC 3339 UTC with milliseconds, the ledger's timestamp form; `SOURCE_DATE_EPOCH`
    /// fixes it (as it fixes `recorded_at`), so exports and reports can be reproduced byte for byte.
    static func nowTimestamp() -> String {
        LedgerTime.format(millisecondsSinceEpoch: LedgerClock.fromEnvironment().millisecondsSinceEpoch())
    }
}
