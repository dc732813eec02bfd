import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `agritrace serve --console` as a child process on free loopback ports.
final class ConsoleProcess {
    let process: Process
    let publicPort: Int
    let consolePort: Int
    private let output: Pipe

    init(ledger: String, key: String, extra: [String] = []) throws {
        process = Process()
        process.executableURL = AgriTraceBinary.url
        process.arguments = ["serve", "--ledger", ledger, "--key", key, "--listen", "127.0.0.1:0", "--console",
                             "--console-listen", "127.0.0.1:0"] + extra
        output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        var text = ""
        while !text.contains("/console/\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty {
                process.waitUntilExit()
                throw HTTPProbe.Failure(description: "serve exited \(process.terminationStatus): \(text) \(String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))")
            }
            text += String(decoding: chunk, as: UTF8.self)
        }
        func port(after marker: String) -> Int? {
            guard let range = text.range(of: marker) else { return nil }
            return Int(text[range.upperBound...].prefix { $0.isNumber })
        }
        guard let consolePort = port(after: "console on http://127.0.0.1:"),
              let publicPort = text.components(separatedBy: "\n").first.flatMap({ line in
                  line.range(of: "127.0.0.1:").flatMap { Int(line[$0.upperBound...].prefix { $0.isNumber }) } }) else {
            process.terminate()
            throw HTTPProbe.Failure(description: "no ports in: \(text)")
        }
        self.consolePort = consolePort
        self.publicPort = publicPort
    }

    /// SIGKILL: no clean shutdown, as a power cut or the OOM killer would.
    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func stop() -> Int32 {
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill9(); return -1 }
        return process.terminationStatus
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

/// A client with a cookie jar, speaking raw HTTP to the console.
struct ConsoleClient {
    let port: Int
    var cookies: [String: String] = [:]
    /// The last CSRF token seen in a page.
    var csrf: String?

    init(port: Int) { self.port = port }

    private var cookieHeader: [String] {
        cookies.isEmpty ? [] : ["Cookie: " + cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")]
    }

    private mutating func absorb(_ answer: HTTPProbe.Answer) -> HTTPProbe.Answer {
        for cookie in answer.setCookies {
            let pair = cookie.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(pair[0]), value = pair.count > 1 ? String(pair[1]) : ""
            if cookie.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        if let range = answer.text.range(of: "name=\"csrf\" value=\"") {
            csrf = String(answer.text[range.upperBound...].prefix { $0 != "\"" })
        }
        return answer
    }

    mutating func get(_ target: String, headers: [String] = []) throws -> HTTPProbe.Answer {
        absorb(try HTTPProbe.request("GET", target, port: port, extraHeaders: cookieHeader + headers))
    }

    /// A url-encoded form; the CSRF token is added unless `csrf` is false.
    mutating func post(_ target: String, _ fields: [(String, String)], csrf withToken: Bool = true) throws -> HTTPProbe.Answer {
        var all = fields
        if withToken, let csrf { all.append(("csrf", csrf)) }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let body = all.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
        return absorb(try HTTPProbe.request("POST", target, port: port, extraHeaders: cookieHeader + [
            "Content-Type: application/x-www-form-urlencoded", "Content-Length: \(body.utf8.count)"], body: body))
    }

    /// What the upload form's script sends: the file as the body, the token in X-CSRF-Token.
    mutating func upload(_ bytes: [UInt8], name: String, registerOrigins: Bool = true, csrf withToken: Bool = true) throws -> HTTPProbe.Answer {
        var head = ["POST /console/uploads?name=\(name)&register_origins=\(registerOrigins ? 1 : 0) HTTP/1.1", "Host: 127.0.0.1:\(port)",
                    "Connection: close", "Content-Type: application/zip", "Content-Length: \(bytes.count)"] + cookieHeader
        if withToken, let csrf { head.append("X-CSRF-Token: \(csrf)") }
        return absorb(try HTTPProbe.exchange(Array((head.joined(separator: "\r\n") + "\r\n\r\n").utf8) + bytes, port: port, timeoutSeconds: 120))
    }

    /// What the page's script sends for a folder: multipart parts, a `path` field before each file.
    mutating func uploadFolder(_ files: [(path: String, bytes: [UInt8])], name: String, registerOrigins: Bool = true) throws -> HTTPProbe.Answer {
        let boundary = "----AgriTraceFolder\(UUID().uuidString.prefix(8))"
        var body: [UInt8] = []
        for file in files {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"path\"\r\n\r\n\(file.path)\r\n".utf8)
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
            body += file.bytes + Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        var head = ["POST /console/uploads?name=\(name)&register_origins=\(registerOrigins ? 1 : 0) HTTP/1.1", "Host: 127.0.0.1:\(port)",
                    "Connection: close", "Content-Type: multipart/form-data; boundary=\(boundary)", "Content-Length: \(body.count)"] + cookieHeader
        if let csrf { head.append("X-CSRF-Token: \(csrf)") }
        return absorb(try HTTPProbe.exchange(Array((head.joined(separator: "\r\n") + "\r\n\r\n").utf8) + body, port: port, timeoutSeconds: 120))
    }

    /// Signs in through the form, as a browser would: the sign-in page first (its token cookie), then the post.
    /// The `seen` field of the form on the page at `target` (the ledger state the page shows),
    /// as a browser posting that form would send it.
    mutating func seen(_ target: String) throws -> (String, String) {
        let page = try get(target).text
        guard let value = page.components(separatedBy: "name=\"seen\" value=\"").dropFirst().first?.split(separator: "\"").first else {
            throw HTTPProbe.Failure(description: "\(target): no seen field in \(page.prefix(300))")
        }
        return ("seen", String(value))
    }

    mutating func signIn(_ name: String, _ password: String) throws -> HTTPProbe.Answer {
        _ = try get("/console/login")
        let answer = try post("/console/login", [("name", name), ("password", password)])
        if answer.status == 303 { _ = try get("/console/") }
        return answer
    }

    /// Follows a job's progress stream until the job ends; returns the last event's JSON.
    mutating func waitForJob(_ id: String, timeoutSeconds: Int = 600) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(TimeInterval(timeoutSeconds))
        while Date() < deadline {
            let answer = try HTTPProbe.request("GET", "/console/jobs/\(id)/events", port: port, extraHeaders: cookieHeader)
            let events = answer.text.components(separatedBy: "data: ").dropFirst()
            if let last = events.last, let json = last.split(separator: "\n").first,
               let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], object["final"] as? Bool == true {
                return object
            }
        }
        throw HTTPProbe.Failure(description: "job \(id) did not finish in \(timeoutSeconds) s")
    }
}

enum ConsoleAccounts {
    /// `agritrace users add NAME --role ROLE`, the password on standard input as a script gives it.
    static func add(_ name: String, role: String, password: String, ledger: String) throws -> CommandResult {
        try AgriTraceBinary.run(["users", "add", name, "--role", role, "--ledger", ledger], stdin: Data((password + "\n").utf8))
    }
}
