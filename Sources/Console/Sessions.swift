import Crypto
import Foundation

/// Signed-in sessions, in memory: a restart signs everyone out (grading jobs keep running).
/// The cookie holds a random 256-bit token; the table keys sessions by its SHA-256, so a memory
/// dump or log line never holds a usable cookie. Each session has its own CSRF token, which every
/// form and upload must send back.
final class Sessions: @unchecked Sendable {
    struct Session: Sendable {
        let userName: String
        /// The account's password stamp at sign-in (`Accounts.account(named:)`).
        let credential: String
        let csrfToken: String
        var lastSeen: Date
    }

    /// A session unused this long is gone.
    static let idleSeconds: TimeInterval = 8 * 3600

    private let lock = NSLock()
    private var byTokenHash: [String: Session] = [:]

    /// Starts a session; returns the cookie token.
    func start(userName: String, credential: String, now: Date = Date()) -> (token: String, session: Session) {
        let token = Self.randomToken()
        let session = Session(userName: userName, credential: credential, csrfToken: Self.randomToken(), lastSeen: now)
        lock.lock()
        byTokenHash = byTokenHash.filter { now.timeIntervalSince($0.value.lastSeen) < Self.idleSeconds }
        byTokenHash[Self.hash(token)] = session
        lock.unlock()
        return (token, session)
    }

    func session(token: String, now: Date = Date()) -> Session? {
        let key = Self.hash(token)
        lock.lock()
        defer { lock.unlock() }
        guard var session = byTokenHash[key] else { return nil }
        guard now.timeIntervalSince(session.lastSeen) < Self.idleSeconds else {
            byTokenHash[key] = nil
            return nil
        }
        session.lastSeen = now
        byTokenHash[key] = session
        return session
    }

    func end(token: String) {
        lock.lock()
        byTokenHash[Self.hash(token)] = nil
        lock.unlock()
    }

    static func randomToken() -> String {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Compares two tokens in time that does not depend on where they differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}
