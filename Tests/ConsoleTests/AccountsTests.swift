import Foundation
import LedgerStore
import Provenance
import ProvenanceTestSupport
import Testing
import TestSupport
@testable import Console

/// Security tests of the console's accounts: password storage, sign-in refusals, lock-out.
/// (Bcrypt cost 4 here: the rules are the same at cost 12, only slower.)
@Suite struct AccountsTests {
    static func accounts() throws -> (Accounts, TemporaryDirectory) {
        let directory = try TemporaryDirectory(prefix: "console-accounts")
        do {
            return (try Accounts(path: directory.url.appendingPathComponent("coop.console.db").path, cost: 4), directory)
        } catch {
            directory.remove()
            throw error
        }
    }

    @Test func thePasswordIsStoredOnlyAsABcryptHashInAnOwnerOnlyFile() throws {
        let (accounts, directory) = try Self.accounts()
        defer { directory.remove() }
        try accounts.add(name: "lan", role: .clerk, password: "rau muống xanh 2026")
        // The file and its write-ahead log (the connection is still open).
        let bytes = try Data(contentsOf: URL(fileURLWithPath: accounts.path))
            + ((try? Data(contentsOf: URL(fileURLWithPath: accounts.path + "-wal"))) ?? Data())
        #expect(bytes.range(of: Data("rau muống".utf8)) == nil)
        #expect(bytes.range(of: Data("$2b$04$".utf8)) != nil)
        let mode = try FileManager.default.attributesOfItem(atPath: accounts.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try accounts.signIn(name: "lan", password: "rau muống xanh 2026") == .signedIn(ConsoleUser(name: "lan", role: .clerk)))
    }

    @Test func wrongPasswordsAndUnknownNamesAreRefusedAlike() throws {
        let (accounts, directory) = try Self.accounts()
        defer { directory.remove() }
        try accounts.add(name: "lan", role: .reviewer, password: "correct horse battery")
        #expect(try accounts.signIn(name: "lan", password: "correct horse batterY") == .refused)
        #expect(try accounts.signIn(name: "lan", password: "") == .refused)
        #expect(try accounts.signIn(name: "LAN", password: "correct horse battery") == .refused)
        #expect(try accounts.signIn(name: "nobody", password: "correct horse battery") == .refused)
    }

    @Test func repeatedFailuresLockTheAccountEvenForTheRightPasswordUntilTheLockEnds() throws {
        let (accounts, directory) = try Self.accounts()
        defer { directory.remove() }
        try accounts.add(name: "lan", role: .admin, password: "correct horse battery")
        let now = 1_800_000_000
        for _ in 1..<Accounts.lockAfterFailures {
            #expect(try accounts.signIn(name: "lan", password: "guess", now: now) == .refused)
        }
        #expect(try accounts.signIn(name: "lan", password: "guess", now: now) == .locked(until: now + Accounts.lockSeconds))
        #expect(try accounts.signIn(name: "lan", password: "correct horse battery", now: now + 60) == .locked(until: now + Accounts.lockSeconds))
        #expect(try accounts.signIn(name: "lan", password: "correct horse battery", now: now + Accounts.lockSeconds + 1)
                == .signedIn(ConsoleUser(name: "lan", role: .admin)))
        // A success resets the count: four more failures do not lock.
        for _ in 1..<Accounts.lockAfterFailures {
            #expect(try accounts.signIn(name: "lan", password: "guess", now: now + Accounts.lockSeconds + 2) == .refused)
        }
    }

    @Test func badNamesShortPasswordsAndDuplicatesAreRefused() throws {
        let (accounts, directory) = try Self.accounts()
        defer { directory.remove() }
        for name in ["", "Lan", "lan nguyen", "-lan", "lan/../x", "nguyễn", String(repeating: "a", count: 33)] {
            #expect(throws: AccountError.badName(name)) { try accounts.add(name: name, role: .clerk, password: "long enough password") }
        }
        #expect(throws: AccountError.weakPassword(minimum: Accounts.minimumPasswordLength)) {
            try accounts.add(name: "lan", role: .clerk, password: "short")
        }
        try accounts.add(name: "lan", role: .clerk, password: "long enough password")
        #expect(throws: AccountError.exists("lan")) { try accounts.add(name: "lan", role: .admin, password: "another long password") }
        #expect(try accounts.count() == 1)
    }

    @Test func accountsAreListedRemovedReRoledAndRePassworded() throws {
        let (accounts, directory) = try Self.accounts()
        defer { directory.remove() }
        try accounts.add(name: "lan", role: .clerk, password: "rau muống xanh 2026")
        try accounts.add(name: "hoa", role: .admin, password: "another long password")
        #expect(try accounts.all() == [ConsoleUser(name: "hoa", role: .admin), ConsoleUser(name: "lan", role: .clerk)])
        let stamp = try #require(try accounts.account(named: "lan")).credential

        try accounts.setRole(name: "lan", role: .reviewer)
        #expect(try accounts.account(named: "lan")?.user == ConsoleUser(name: "lan", role: .reviewer))
        #expect(try accounts.account(named: "lan")?.credential == stamp)

        // A new password: the old one no longer signs in, the stamp moves, a lock-out is lifted.
        for _ in 0..<Accounts.lockAfterFailures { _ = try accounts.signIn(name: "lan", password: "guess") }
        #expect(throws: AccountError.weakPassword(minimum: Accounts.minimumPasswordLength)) { try accounts.setPassword(name: "lan", password: "short") }
        try accounts.setPassword(name: "lan", password: "cải xanh mùa mưa 2027")
        #expect(try accounts.signIn(name: "lan", password: "rau muống xanh 2026") == .refused)
        #expect(try accounts.signIn(name: "lan", password: "cải xanh mùa mưa 2027") == .signedIn(ConsoleUser(name: "lan", role: .reviewer)))
        #expect(try accounts.account(named: "lan")?.credential != stamp)

        // Removed and added again with the same password: another stamp (another bcrypt salt).
        let before = try #require(try accounts.account(named: "lan")).credential
        try accounts.remove(name: "lan")
        #expect(try accounts.account(named: "lan") == nil && accounts.count() == 1)
        try accounts.add(name: "lan", role: .clerk, password: "cải xanh mùa mưa 2027")
        #expect(try accounts.account(named: "lan")?.credential != before)

        for change in [{ try accounts.remove(name: "nobody") }, { try accounts.setRole(name: "nobody", role: .admin) },
                       { try accounts.setPassword(name: "nobody", password: "long enough password") }] {
            #expect(throws: AccountError.unknown("nobody")) { try change() }
        }
        #expect(try accounts.count() == 2)
    }

    @Test func rolesAreOrderedClerkReviewerAdmin() {
        #expect(ConsoleRole.clerk < .reviewer && ConsoleRole.reviewer < .admin)
    }

    @Test func csrfAndSessionTokensAreRandomAndComparedWhole() {
        let sessions = Sessions()
        let (token, session) = sessions.start(userName: "lan", credential: "stamp")
        #expect(token.count == 43 && session.csrfToken.count == 43 && token != session.csrfToken)
        #expect(sessions.session(token: token)?.userName == "lan")
        #expect(sessions.session(token: token + "x") == nil)
        #expect(!Sessions.same(session.csrfToken, String(session.csrfToken.dropLast())))
        #expect(!Sessions.same(session.csrfToken, ""))
        #expect(Sessions.same(session.csrfToken, session.csrfToken))
        sessions.end(token: token)
        #expect(sessions.session(token: token) == nil)
    }

    @Test func anIdleSessionExpires() {
        let sessions = Sessions()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let (token, _) = sessions.start(userName: "lan", credential: "stamp", now: start)
        #expect(sessions.session(token: token, now: start.addingTimeInterval(Sessions.idleSeconds - 1)) != nil)
        #expect(sessions.session(token: token, now: start.addingTimeInterval(2 * Sessions.idleSeconds)) == nil)
    }
}

/// `recorded_by`: which account caused an entry, signed with it and checked by `verify`.
@Suite struct AttributionTests {
    @Test func theAccountIsRecordedInTheSignedEntryAndVerifies() throws {
        let fixture = try ProvenanceFixture()
        defer { fixture.directory.remove() }
        try fixture.ledger.append([ProvenanceFixture.origin("VN-1")], signer: fixture.signer, recordedBy: "lan")
        let entry = try fixture.ledger.entries(type: .origin)[0]
        #expect(Attribution.recordedBy(entry.body) == "lan")
        #expect(String(decoding: entry.canonicalBytes, as: UTF8.self).contains("\"recorded_by\":\"lan\""))
        #expect(try fixture.ledger.verify().isIntact)
    }

    @Test func aMalformedAccountNameIsRefusedBeforeSigning() throws {
        let fixture = try ProvenanceFixture()
        defer { fixture.directory.remove() }
        for bad in ["Lan", "", "lan nguyen", "x\u{7}"] {
            #expect(throws: (any Error).self) {
                try fixture.ledger.append([ProvenanceFixture.origin("VN-1")], signer: fixture.signer, recordedBy: bad)
            }
        }
        let numeric = EntryBody(type: "origin", fields: ProvenanceFixture.origin("VN-2").body.fields.merging(["recorded_by": .integer(7)]) { $1 })
        #expect(throws: EntryError.self) { try ProvenanceRecord(numeric) }
        #expect(try fixture.ledger.size() == 1)
    }

    @Test func entriesWithoutAnAccountStayAsBefore() throws {
        let record = ProvenanceFixture.origin("VN-1")
        #expect(record.body(recordedBy: nil) == record.body)
        #expect(try ProvenanceRecord(record.body) == record)
        #expect(try ProvenanceRecord(record.body(recordedBy: "lan")) == record)
    }
}
