import Foundation
import Grading
import Hummingbird
import LedgerStore
import Localization
import MerkleLog
import Provenance
import ServerSupport
import Traceability

/// The console's routes. Every page but sign-in needs a session; every POST needs the session's
/// CSRF token (form field `csrf`, or header `X-CSRF-Token` for uploads); each action checks the
/// account's role. Writes to the ledger go through one lock and name the account (`Attribution`).
final class ConsoleSite: Sendable {
    static let sessionCookie = "agritrace_console"
    static let loginCookie = "agritrace_console_login"
    static let languageCookie = "agritrace_console_lang"
    /// The `Allow` of every 405, also for a method the HTTP parser does not know (ServerSupport).
    static let methods = "GET, POST"
    static let securityHeaders = [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"),
                                  ("X-Frame-Options", "DENY")]

    let options: ConsoleServer.Options
    let accounts: Accounts
    let sessions = Sessions()
    let signInGate = SignInGate()
    let jobs: GradingJobs
    let localizers: [Language: Localizer]
    /// The policy the console grades with; its `grade_names` name grades on pages and labels.
    let policy: GradingPolicy
    private let writeLock = NSLock()

    init(options: ConsoleServer.Options) throws {
        self.options = options
        accounts = try Accounts(path: options.accountsPath, create: false)
        var localizers: [Language: Localizer] = [:]
        for language in Language.allCases { localizers[language] = try Localizer.bundled(language) }
        self.localizers = localizers
        policy = try GradingPolicy.bundledDefault()
        // Opened now, so a missing or foreign ledger is reported at start-up.
        _ = try Ledger(provenanceAt: options.ledgerPath, readOnly: true)
        jobs = try GradingJobs(databasePath: options.accountsPath, directory: options.workDirectory, ledgerPath: options.ledgerPath,
                               signer: options.signer, policy: policy, threads: options.gradingThreads, localizers: localizers,
                               maxUnfinished: options.maxQueuedJobs)
    }

    static let uploadsPath = "/console/uploads"

    func reply(_ request: ConsoleRequest) async -> ConsoleReply {
        do {
            return try await route(request)
        } catch {
            // In the language the page would have had; another library's error text stays as it is.
            let language = Self.language(query: (try? HTTPForms.parse(request.query))?.first("lang"), cookie: request.cookies[Self.languageCookie],
                                         acceptLanguage: request.acceptLanguage)
            let localizer = localizers[language] ?? .english
            let status = error is FormTooLarge ? 413 : error is FormUnreadable || error is FormMalformed ? 400 : 500
            let heading = status != 500 ? "" : "<p>\(ConsolePage.escape(localizer.render(ConsoleText.serverError)))</p>"
            return .html(status, page(localizer, user: nil, csrf: nil)
                .render(title: "\(status)", "<section class=\"error\">\(heading)<p>\(ConsolePage.escape(localizer.describe(error)))</p></section>"))
        }
    }

    func page(_ localizer: Localizer, user: ConsoleUser?, csrf: String?) -> ConsolePage {
        ConsolePage(localizer: localizer, user: user, csrf: csrf, policyGradeNames: policy.gradeNames)
    }

    // MARK: - Routing

    private func route(_ request: ConsoleRequest) async throws -> ConsoleReply {
        let query = try HTTPForms.parse(request.query)
        var cookies: [String] = []
        var language = Self.language(query: query.first("lang"), cookie: request.cookies[Self.languageCookie],
                                     acceptLanguage: request.acceptLanguage)
        if let chosen = query.first("lang"), let picked = Language(rawValue: chosen) {
            language = picked
            cookies.append("\(Self.languageCookie)=\(picked.rawValue); Path=/console; Max-Age=31536000; SameSite=Strict; Secure; HttpOnly")
        }
        let localizer = localizers[language] ?? .english
        // Checked as every server checks its targets (no "//", dot or encoded-slash segments, ...);
        // the routes below then match whole paths.
        do { _ = try RequestTarget(path: request.path, query: request.query) } catch {
            return .html(error.status, page(localizer, user: nil, csrf: nil).render(
                title: "\(error.status)", "<section class=\"error\"><p>\(ConsolePage.escape(localizer.render(error.message)))</p></section>"))
        }
        var reply = try await route(request, query: query, localizer: localizer)
        reply.headers += cookies.map { ("Set-Cookie", $0) }
        return reply
    }

    private func route(_ request: ConsoleRequest, query: [String: [String]], localizer: Localizer) async throws -> ConsoleReply {
        switch (request.method, request.path) {
        case ("GET", "/console/app.js"):
            return ConsoleReply(status: 200, contentType: "text/javascript; charset=utf-8", body: .bytes(Array(ConsolePage.script.utf8)))
        case ("GET", "/console/login"):
            return signInPage(request, localizer: localizer, status: 200, message: nil)
        case ("POST", "/console/login"):
            return try await signIn(request, localizer: localizer)
        default:
            break
        }
        guard request.path == "/console" || request.path.hasPrefix("/console/") else {
            return notFound(localizer)
        }
        // The account is read again on every request: removed, re-added or given a new password,
        // it no longer matches the session (a changed role applies at once).
        guard let token = request.cookies[Self.sessionCookie], let session = sessions.session(token: token),
              let (user, credential) = try accounts.account(named: session.userName), credential == session.credential else {
            if request.method == "GET" { return .redirect("/console/login") }
            return .html(403, page(localizer, user: nil, csrf: nil)
                .render(title: localizer.render(ConsoleText.signInTitle), "<section class=\"error\"><p>\(ConsolePage.escape(localizer.render(ConsoleText.csrfMissing)))</p></section>"))
        }
        let page = page(localizer, user: user, csrf: session.csrfToken)
        if request.method == "POST" {
            // An upload's body is the upload, read once by `upload`: reading it here as a form too
            // (a url-encoded upload) made the second read trap and took the whole server down.
            let form = request.path == Self.uploadsPath ? [:] : try await request.form()
            let sent = request.csrfHeader ?? form.first("csrf") ?? ""
            guard Sessions.same(sent, session.csrfToken) else {
                return .html(403, page.render(title: localizer.render(ConsoleText.title),
                                              "<section class=\"error\"><p>\(page.t(ConsoleText.csrfMissing))</p></section>"))
            }
            return try await post(request, form: form, query: query, user: user, token: token, page: page)
        }
        guard request.method == "GET" || request.method == "HEAD" else {
            return ConsoleReply(status: 405, contentType: "text/plain", body: .bytes(Array("method not allowed\n".utf8)), headers: [("Allow", Self.methods)])
        }
        switch request.path {
        case "/console", "/console/": return try dashboard(page: page, notice: nil)
        case "/console/origins": return try originsPage(page: page, notice: nil)
        case "/console/origin": return try originPage(code: query.first("code") ?? "", page: page, notice: nil)
        case "/console/review": return try reviewPage(lotCode: query.first("lot") ?? "", page: page, notice: nil)
        default:
            if let thumbnail = thumbnail(request.path) { return thumbnail }
            if let id = Self.jobID(request.path, suffix: "/events") { return try events(jobID: id, localizer: page.localizer) }
            if let id = Self.jobID(request.path, suffix: "") { return try jobPage(id: id, page: page) }
            return notFound(localizer)
        }
    }

    private func post(_ request: ConsoleRequest, form: [String: [String]], query: [String: [String]], user: ConsoleUser, token: String,
                      page: ConsolePage) async throws -> ConsoleReply {
        switch request.path {
        case "/console/logout":
            sessions.end(token: token)
            return .redirect("/console/login", cookies: ["\(Self.sessionCookie)=; Path=/console; Max-Age=0; HttpOnly; Secure; SameSite=Strict"])
        case Self.uploadsPath:
            return try await upload(request, query: query, user: user, page: page)
        case "/console/review":
            guard user.role >= .reviewer else { return forbidden(page, user: user, needed: .reviewer) }
            return try review(form: form, user: user, page: page)
        case "/console/labels":
            return try await labels(form: form, page: page)
        case "/console/origins":
            return try registerOrigin(form: form, user: user, page: page)
        case "/console/origin":
            guard user.role >= .reviewer else { return forbidden(page, user: user, needed: .reviewer) }
            return try correctOrigin(form: form, user: user, page: page)
        case "/console/checkpoint":
            guard user.role >= .admin else { return forbidden(page, user: user, needed: .admin) }
            return try await checkpoint(page: page)
        default:
            return notFound(page.localizer)
        }
    }

    static func language(query: String?, cookie: String?, acceptLanguage: String?) -> Language {
        if let query, let language = Language(rawValue: query) { return language }
        if let cookie, let language = Language(rawValue: cookie) { return language }
        guard let acceptLanguage else { return .vietnamese }
        // The first language the browser names that the console speaks.
        for part in acceptLanguage.split(separator: ",") {
            let tag = part.split(separator: ";")[0].trimmingCharacters(in: .whitespaces).lowercased()
            if tag.hasPrefix("vi") { return .vietnamese }
            if tag.hasPrefix("en") { return .english }
        }
        return .vietnamese
    }

    static func jobID(_ path: String, suffix: String) -> String? {
        let prefix = "/console/jobs/"
        guard path.hasPrefix(prefix), path.hasSuffix(suffix) else { return nil }
        let id = String(path.dropFirst(prefix.count).dropLast(suffix.count))
        guard !id.isEmpty, id.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else { return nil }
        return id
    }

    /// `/console/thumbnails/SHA256.png`: a photo's thumbnail, to signed-in users only (they are
    /// farm photos, not public). Named by content, so the browser may keep it (privately).
    func thumbnail(_ path: String) -> ConsoleReply? {
        let prefix = "/console/thumbnails/"
        guard path.hasPrefix(prefix), path.hasSuffix(".png") else { return nil }
        let name = String(path.dropFirst(prefix.count).dropLast(4))
        guard Thumbnails.isDigest(name), let bytes = FileManager.default.contents(atPath: jobs.thumbnails.file(sha256: name).path) else {
            return ConsoleReply(status: 404, contentType: "text/plain; charset=utf-8", body: .bytes(Array("no such thumbnail\n".utf8)))
        }
        return ConsoleReply(status: 200, contentType: "image/png", body: .bytes(Array(bytes)), cacheControl: "private, max-age=604800, immutable")
    }

    // MARK: - Signing in

    private func signInPage(_ request: ConsoleRequest, localizer: Localizer, status: Int, message: String?) -> ConsoleReply {
        // Sign-in CSRF: a random token in a cookie that the form must repeat (the session does not exist yet).
        let loginToken = request.cookies[Self.loginCookie].flatMap { $0.count == 43 ? $0 : nil } ?? Sessions.randomToken()
        let page = page(localizer, user: nil, csrf: loginToken)
        var body = ""
        if let message { body += "<section class=\"error\" role=\"alert\"><p>\(page.h(message))</p></section>" }
        body += """
            <section><form method="post" action="/console/login">\(page.csrfField)
            <label for="name">\(page.t(ConsoleText.userName))</label>
            <input type="text" id="name" name="name" autocomplete="username" autocapitalize="none" required autofocus>
            <label for="password">\(page.t(ConsoleText.password))</label>
            <input type="password" id="password" name="password" autocomplete="current-password" required>
            <p><button type="submit">\(page.t(ConsoleText.signIn))</button></p>
            </form></section>
            """
        var reply = ConsoleReply.html(status, page.render(title: localizer.render(ConsoleText.signInTitle), body))
        reply.headers.append(("Set-Cookie", "\(Self.loginCookie)=\(loginToken); Path=/console; HttpOnly; Secure; SameSite=Strict"))
        return reply
    }

    private func signIn(_ request: ConsoleRequest, localizer: Localizer) async throws -> ConsoleReply {
        let form = try await request.form()
        guard let expected = request.cookies[Self.loginCookie], Sessions.same(form.first("csrf") ?? "", expected) else {
            return signInPage(request, localizer: localizer, status: 403, message: localizer.render(ConsoleText.csrfMissing))
        }
        let name = form.first("name") ?? "", password = form.first("password") ?? ""
        // bcrypt is slow on purpose: off the event loop, a few at once (SignInGate).
        guard let outcome = try await signInGate.run({ try self.accounts.signIn(name: name, password: password) }) else {
            var reply = signInPage(request, localizer: localizer, status: 503, message: localizer.render(ConsoleText.signInBusy))
            reply.headers.append(("Retry-After", "2"))
            return reply
        }
        switch outcome {
        case .signedIn(let user):
            guard let (_, credential) = try accounts.account(named: user.name) else {
                return signInPage(request, localizer: localizer, status: 401, message: localizer.render(ConsoleText.refused))
            }
            let (token, _) = sessions.start(userName: user.name, credential: credential)
            return .redirect("/console/", cookies: [
                "\(Self.sessionCookie)=\(token); Path=/console; HttpOnly; Secure; SameSite=Strict",
                "\(Self.loginCookie)=; Path=/console; Max-Age=0; HttpOnly; Secure; SameSite=Strict",
            ])
        case .refused:
            return signInPage(request, localizer: localizer, status: 401, message: localizer.render(ConsoleText.refused))
        case .locked(let until):
            let minutes = max(1, (until - Int(Date().timeIntervalSince1970) + 59) / 60)
            return signInPage(request, localizer: localizer, status: 429, message: localizer.render(ConsoleText.locked(minutes: .integer(minutes))))
        }
    }

    // MARK: - Shared

    /// Runs `body` with the ledger open for writing, one writer at a time in this process
    /// (SQLite serialises this with other processes, e.g. the grading worker or the CLI).
    func writing<T>(_ body: (Ledger) throws -> T) throws -> T {
        writeLock.lock()
        defer { writeLock.unlock() }
        return try body(try Ledger(provenanceAt: options.ledgerPath))
    }

    func snapshot() throws -> LedgerSnapshot {
        try LedgerSnapshot(reading: try Ledger(provenanceAt: options.ledgerPath, readOnly: true))
    }

    func notFound(_ localizer: Localizer) -> ConsoleReply {
        .html(404, page(localizer, user: nil, csrf: nil).render(title: "404", "<p>\(ConsolePage.escape(localizer.render(ConsoleText.notFound)))</p>"))
    }

    func forbidden(_ page: ConsolePage, user: ConsoleUser, needed: ConsoleRole) -> ConsoleReply {
        .html(403, page.render(title: page.localizer.render(ConsoleText.title), """
            <section class="error" role="alert"><p>\(page.t(ConsoleText.notAllowed(role: .message(page.roleMessage(user.role)), needed: .message(page.roleMessage(needed)))))</p></section>
            <p><a href="/console/">\(page.t(ConsoleText.back))</a></p>
            """))
    }
}
