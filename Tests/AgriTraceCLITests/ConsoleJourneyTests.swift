import Foundation
import Imaging
import LedgerStore
import MerkleLog
import Provenance
import Testing
import TestSupport

/// The console (`serve --console`) end to end, over HTTP against the real binary.
///
/// Security test list (each refusal is checked below):
/// - authentication: wrong password and unknown user refused alike (401); sign-in without its CSRF
///   token refused (403); 5 failures lock the account, even against the right password (429), and a name
///   without an account alike; a burst of sign-ins is mostly refused at once (503) and a real one gets in;
///   session cookie HttpOnly, Secure, SameSite=Strict; signed-out requests redirected (GET) or refused (POST);
///   sign-out ends the session server-side.
/// - authorisation: a clerk cannot review (403) or sign checkpoints (403); nothing is recorded.
/// - CSRF: every POST without the session's token is refused (403) and records nothing.
/// - uploads: over the stated limit refused (413) before grading, by declared length and by bytes sent;
///   zip slip, absolute paths and links refused with the whole report, nothing recorded, nothing written outside;
///   a folder's paths (`..`, absolute, backslash) all refused (400) before a byte is written, nothing kept;
///   more than `--console-queue-limit` waiting or being graded refused by name (503), nothing kept.
/// - paths: job ids are hex only; thumbnails are named by a SHA-256 only and served to signed-in users only;
///   the console is not served on the public listener.
/// - roles: correcting an origin needs a reviewer (a clerk gets 403), signing a checkpoint an admin.
/// - pages: Content-Security-Policy without external sources, framing forbidden.
@Suite(.serialized) struct ConsoleJourneyTests {
    static let password = "mật khẩu đủ dài 2026"

    struct Site {
        let workspace: GradeWorkspace
        init(users: [(String, String)] = [("lan", "clerk"), ("minh", "reviewer"), ("hoa", "admin")]) throws {
            workspace = try GradeWorkspace()
            do {
                for (name, role) in users {
                    let added = try ConsoleAccounts.add(name, role: role, password: ConsoleJourneyTests.password, ledger: workspace.ledger)
                    #expect(added.status == 0, "\(added.stderr)")
                }
            } catch {
                workspace.remove()
                throw error
            }
        }
        func serve(_ extra: [String] = []) throws -> ConsoleProcess { try ConsoleProcess(ledger: workspace.ledger, key: workspace.key, extra: extra) }
        func ledgerSize() throws -> Int { try workspace.openLedger().size() }
    }

    @Test func usersAddKeepsOnlyAHashAndRefusesBadInput() throws {
        let site = try Site(users: [("lan", "clerk")])
        defer { site.workspace.remove() }
        let accounts = site.workspace.path("coop.console.db")
        let stored = try Data(contentsOf: URL(fileURLWithPath: accounts))
        #expect(stored.range(of: Data(Self.password.utf8)) == nil)
        #expect(stored.range(of: Data("$2b$12$".utf8)) != nil)
        #expect(try ConsoleAccounts.add("lan", role: "admin", password: Self.password, ledger: site.workspace.ledger).status == 2)
        #expect(try ConsoleAccounts.add("Lan Anh", role: "clerk", password: Self.password, ledger: site.workspace.ledger).status == 2)
        #expect(try ConsoleAccounts.add("anh", role: "owner", password: Self.password, ledger: site.workspace.ledger).status == 2)
        #expect(try ConsoleAccounts.add("anh", role: "clerk", password: "short", ledger: site.workspace.ledger).status == 2)
        #expect(try ConsoleAccounts.add("anh", role: "clerk", password: Self.password, ledger: site.workspace.path("missing.db")).status == 2)
    }

    @Test func theConsoleNeedsAKeyAndAnAccount() throws {
        let workspace = try GradeWorkspace()
        defer { workspace.remove() }
        let noKey = try AgriTraceBinary.run(["serve", "--ledger", workspace.ledger, "--console"])
        #expect(noKey.status == 2 && noKey.stderr.contains("--key"), "\(noKey.stderr)")
        let noAccounts = try AgriTraceBinary.run(["serve", "--ledger", workspace.ledger, "--key", workspace.key, "--console", "--listen", "127.0.0.1:0"])
        #expect(noAccounts.status == 2 && noAccounts.stderr.contains("users add"), "\(noAccounts.stderr)")
    }

    @Test func signInRefusalsSessionCookieAndLockOut() throws {
        let site = try Site()
        defer { site.workspace.remove() }
        let server = try site.serve()
        defer { _ = server.stop() }
        var client = ConsoleClient(port: server.consolePort)
        let signedOut = try client.get("/console/")
        #expect(signedOut.status == 303 && signedOut.headers["location"] == "/console/login")
        #expect(try client.post("/console/origins", [("origin_code", "X")], csrf: false).status == 403)

        let page = try client.get("/console/login")
        #expect(page.status == 200 && page.text.contains("autocomplete=\"current-password\""))
        let policy = page.headers["content-security-policy"] ?? ""
        #expect(policy.contains("default-src 'none'") && policy.contains("frame-ancestors 'none'") && !policy.contains("http"), "\(policy)")
        #expect(try client.post("/console/login", [("name", "lan"), ("password", Self.password)], csrf: false).status == 403)
        #expect(try client.post("/console/login", [("name", "lan"), ("password", "wrong password")]).status == 401)
        #expect(try client.post("/console/login", [("name", "nobody"), ("password", Self.password)]).status == 401)

        let signedIn = try client.signIn("lan", Self.password)
        #expect(signedIn.status == 303)
        let session = signedIn.setCookies.first { $0.hasPrefix("agritrace_console=") } ?? ""
        #expect(session.contains("HttpOnly") && session.contains("Secure") && session.contains("SameSite=Strict"), "\(session)")
        let home = try client.get("/console/")
        #expect(home.status == 200 && home.text.contains("lan"), "\(home.status)")
        #expect(try client.post("/console/logout", []).status == 303)
        #expect(try client.get("/console/").status == 303)

        // Lock-out: four failures plus one locks; the right password is then refused too.
        var attacker = ConsoleClient(port: server.consolePort)
        _ = try attacker.get("/console/login")
        for _ in 1..<5 { #expect(try attacker.post("/console/login", [("name", "minh"), ("password", "guess")]).status == 401) }
        let locked = try attacker.post("/console/login", [("name", "minh"), ("password", "guess")])
        #expect(locked.status == 429 && locked.text.contains("15"), "\(locked.status)")
        #expect(try attacker.post("/console/login", [("name", "minh"), ("password", Self.password)]).status == 429)
        // A name without an account is answered the same, and locked at the same try.
        for _ in 1..<5 { #expect(try attacker.post("/console/login", [("name", "stranger"), ("password", "guess")]).status == 401) }
        let lockedUnknown = try attacker.post("/console/login", [("name", "stranger"), ("password", "guess")])
        #expect(lockedUnknown.status == 429 && lockedUnknown.text == locked.text.replacingOccurrences(of: "minh", with: "stranger"))
        // The console is not on the public listener.
        #expect(try HTTPProbe.request("GET", "/console/login", port: server.publicPort).status == 404)
        // A method the HTTP parser does not know is refused like any other, not as a malformed request.
        let brew = try HTTPProbe.request("BREW", "/console/", port: server.consolePort)
        #expect(brew.status == 405 && brew.headers["allow"] == "GET, POST", "\(brew.status) \(brew.headers)")
    }

    /// A burst of sign-ins with made-up names (each costs a password check): a few are checked,
    /// a few wait, the rest are refused at once with 503; a clerk signing in meanwhile gets in
    /// after a wait of a few checks, not of the whole burst.
    @Test func aFloodOfSignInsIsRefusedAtOnceAndARealOneGetsThrough() throws {
        let site = try Site(users: [("lan", "clerk")])
        defer { site.workspace.remove() }
        let server = try site.serve()
        defer { _ = server.stop() }
        let flood = 60, port = server.consolePort
        let go = DispatchSemaphore(value: 0)
        let group = DispatchGroup()
        let answers = FloodAnswers()
        for index in 0..<flood {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                var client = ConsoleClient(port: port)
                _ = try? client.get("/console/login")
                go.wait()
                let start = Date()
                guard let answer = try? client.post("/console/login", [("name", "flood\(index)"), ("password", "guess")]) else { return }
                answers.add(status: answer.status, seconds: Date().timeIntervalSince(start), retryAfter: answer.headers["retry-after"])
            }
        }
        usleep(500_000)
        let started = Date()
        for _ in 0..<flood { go.signal() }
        usleep(100_000)
        var clerk = ConsoleClient(port: server.consolePort)
        var status = 0, tries = 0
        while Date().timeIntervalSince(started) < 60 {
            tries += 1
            status = try clerk.signIn("lan", Self.password).status
            if status != 503 { break }
            usleep(300_000)
        }
        let signedInAfter = Date().timeIntervalSince(started)
        group.wait()
        let all = answers.values
        let busy = all.filter { $0.status == 503 }
        #expect(status == 303, "after \(tries) tries")
        #expect(all.count == flood && all.allSatisfy { $0.status == 503 || $0.status == 401 }, "\(all.map(\.status))")
        // A few checking and a few waiting (SignInGate): most of the burst is refused, at once.
        #expect(busy.count >= flood / 2, "\(busy.count) refused")
        #expect(busy.allSatisfy { $0.seconds < 2 && $0.retryAfter != nil }, "\(busy.map(\.seconds))")
        // Unlimited, sixty checks would be ahead of the clerk's (15 s and more at cost 12 on two cores).
        #expect(signedInAfter < 15, "signed in after \(signedInAfter) s and \(tries) tries")
    }

    /// `users role`, `users password` and `users remove` reach a running console at the account's
    /// next request: a new role applies, a new password or a removal ends the sessions.
    @Test func accountChangesFromTheCommandLineApplyToSessionsAtOnce() throws {
        let site = try Site()
        defer { site.workspace.remove() }
        let server = try site.serve()
        defer { _ = server.stop() }
        let ledger = site.workspace.ledger
        func users(_ arguments: [String], stdin: String? = nil) throws -> CommandResult {
            try AgriTraceBinary.run(["users"] + arguments + ["--ledger", ledger], stdin: stdin.map { Data(($0 + "\n").utf8) })
        }
        var lan = ConsoleClient(port: server.consolePort)
        #expect(try lan.signIn("lan", Self.password).status == 303)
        #expect(try lan.get("/console/review?lot=DT-LV-261103-01").status == 403)

        let promoted = try users(["role", "lan", "--role", "reviewer"])
        #expect(promoted.status == 0 && promoted.stdout.contains("lan"), "\(promoted.stderr)")
        #expect(try lan.get("/console/review?lot=DT-LV-261103-01").status != 403)
        #expect(try users(["list"]).stdout == "hoa\tadmin\nlan\treviewer\nminh\treviewer\n")

        let newPassword = "mật khẩu mới cũng đủ dài"
        let changed = try users(["password", "lan"], stdin: newPassword)
        #expect(changed.status == 0, "\(changed.stderr)")
        #expect(try lan.get("/console/").status == 303)
        var again = ConsoleClient(port: server.consolePort)
        #expect(try again.signIn("lan", Self.password).status == 401)
        #expect(try again.signIn("lan", newPassword).status == 303)
        #expect(try again.get("/console/").status == 200)

        #expect(try users(["remove", "lan"]).status == 0)
        #expect(try again.get("/console/").status == 303)
        for refused in [["remove", "lan"], ["role", "lan", "--role", "admin"], ["role", "minh", "--role", "owner"]] {
            let result = try users(refused)
            #expect(result.status == 2, "\(refused): \(result.status) \(result.stderr)")
        }
        #expect(try users(["remove", "lan"]).stderr.contains("there is no user 'lan'"))
        #expect(try users(["password", "nobody"], stdin: newPassword).stderr.contains("there is no user 'nobody'"))
    }

    @Test func csrfAndRolesGuardEveryActionAndEntriesNameTheAccount() throws {
        let site = try Site()
        defer { site.workspace.remove() }
        let server = try site.serve()
        defer { _ = server.stop() }
        var clerk = ConsoleClient(port: server.consolePort)
        #expect(try clerk.signIn("lan", Self.password).status == 303)
        let origin = [("origin_code", "VN-DTOR-0999"), ("farm_id", "F-LV-099"), ("farm_name", "Võ Thị <b>Sáu</b>"), ("crop", "xoài")]
        let before = try site.ledgerSize()
        #expect(try clerk.post("/console/origins", origin, csrf: false).status == 403)
        var forged = clerk
        forged.csrf = String(repeating: "A", count: 43)
        #expect(try forged.post("/console/origins", origin).status == 403)
        #expect(try clerk.post("/console/checkpoint", []).status == 403)
        #expect(try clerk.post("/console/review", [("lot", "X"), ("decision", "accept")]).status == 403)
        #expect(try site.ledgerSize() == before)
        // A form over the limit: refused in the page's language (not a library's English), nothing recorded.
        let huge = try clerk.post("/console/origins", origin + [("farm_name", String(repeating: "x", count: 70_000))])
        #expect(huge.status == 413 && huge.text.contains("Biểu mẫu đã gửi lớn hơn 64 KiB") && !huge.text.contains("Bytes"),
                "\(huge.status) \(huge.text.prefix(400))")
        #expect(try site.ledgerSize() == before)
        // A malformed chunked body: 400 in the page's language, not the HTTP parser's English in a 500.
        let cookieHeader = "Cookie: \(clerk.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))\r\n"
        let badChunks = try HTTPProbe.exchange(Array(("POST /console/origins HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            + "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\(cookieHeader)\r\nzz\r\nabc\r\n0\r\n\r\n").utf8),
            port: server.consolePort)
        #expect(badChunks.status == 400 && badChunks.text.contains("Biểu mẫu không đến đầy đủ") && !badChunks.text.contains("chunk"),
                "\(badChunks.status) \(badChunks.text.prefix(400))")
        // A field with a malformed escape or bytes that are not UTF-8: the whole form is refused by name in the
        // page's language, not recorded without that field.
        for bad in ["farm_name=V%ZZ", "farm_name=%FF%FE", "farm%4=x", "farm_name=%E1%BB"] {
            let body = "origin_code=VN-DTOR-0998&farm_id=F-1&\(bad)&crop=x&csrf=\(clerk.csrf ?? "")"
            let sent = try HTTPProbe.exchange(Array(("POST /console/origins HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\(cookieHeader)\r\n\(body)").utf8),
                port: server.consolePort)
            let name = String(bad.prefix { $0 != "=" })
            #expect(sent.status == 400 && sent.text.contains("Trường \(name) của biểu mẫu không được mã hoá đúng"),
                    "\(bad): \(sent.status) \(sent.text.prefix(400))")
        }
        #expect(try site.ledgerSize() == before)
        // A form sent to the upload address (its body is the upload, read once): the server stays up.
        let formUpload = try HTTPProbe.exchange(Array(("POST /console/uploads?name=a.zip HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\(cookieHeader)X-CSRF-Token: \(clerk.csrf ?? "")\r\n\r\na=b").utf8),
            port: server.consolePort)
        #expect(formUpload.status == 202 || (400..<500).contains(formUpload.status), "\(formUpload.status)")
        let dashboard = try clerk.get("/console/").status
        #expect(server.process.isRunning && dashboard == 200)
        // More labels than are made at once: said so, not "choose a lot".
        let many = try clerk.post("/console/labels", (0...100).map { ("lot", "LOT-\($0)") } + [("stock", "50x30")])
        #expect(many.status == 400 && many.text.contains("đã chọn 101 nhãn") && many.text.contains("tối đa 100"), "\(many.text.prefix(600))")

        let registered = try clerk.post("/console/origins", origin)
        #expect(registered.status == 200 && registered.text.contains("VN-DTOR-0999"))
        #expect(registered.text.contains("Võ Thị &lt;b&gt;Sáu&lt;/b&gt;") && !registered.text.contains("<b>Sáu"))
        let entry = try site.workspace.openLedger().entries(type: .origin).last!
        #expect(Attribution.recordedBy(entry.body) == "lan")
        let twice = try clerk.post("/console/origins", origin)
        // The page is Vietnamese by default, the entry rule's reason included.
        #expect(twice.status == 400 && twice.text.contains("đã được đăng ký") && !twice.text.contains("mục 0"), "\(twice.status)")

        // Correcting an origin: reviewers and admins only, as a signed correction of the registration.
        let code = "VN-DTOR-0999"
        let shown = try clerk.get("/console/origin?code=\(code)&lang=en")
        #expect(shown.status == 200 && shown.text.contains("Entry #\(entry.seq)") && !shown.text.contains("Record correction"), "\(shown.status)")
        let sizeBefore = try site.ledgerSize()
        let edit = [("code", code), ("farm_id", "F-LV-099"), ("farm_name", "Võ Thị Sáu"), ("crop", "xoài"), ("province", "Đồng Tháp"),
                    ("reason", "tên nông hộ gõ sai")]
        #expect(try clerk.post("/console/origin", edit).status == 403)
        var reviewer = ConsoleClient(port: server.consolePort)
        #expect(try reviewer.signIn("minh", Self.password).status == 303)
        _ = try reviewer.get("/console/?lang=en")
        let seen = try reviewer.seen("/console/origin?code=\(code)&lang=en")
        #expect(try reviewer.post("/console/origin", edit, csrf: false).status == 403)
        #expect(try reviewer.post("/console/origin", edit.filter { $0.0 != "reason" } + [seen]).status == 400)
        #expect(try site.ledgerSize() == sizeBefore)
        let corrected = try reviewer.post("/console/origin", edit + [seen])
        #expect(corrected.status == 200 && corrected.text.contains("2 fields changed"), "\(corrected.status)")
        let correction = try #require(try site.workspace.openLedger().entries(type: .correction).last)
        guard case .correction(let record) = try correction.record() else { Issue.record("not a correction"); return }
        #expect(record.corrects == entry.seq && record.correctsLeafHash == entry.leafHash.hex && record.originCode == code)
        #expect(record.changes == ["farm_name": .string("Võ Thị Sáu"), "province": .string("Đồng Tháp")] && record.reason == "tên nông hộ gõ sai")
        #expect(record.reviewer == "minh" && Attribution.recordedBy(correction.body) == "minh")
        // The registration is untouched; pages show the origin as it stands, and its history.
        guard case .origin(let registered) = try site.workspace.openLedger().entries(type: .origin).last!.record() else { return }
        #expect(registered.farmName == "Võ Thị <b>Sáu</b>")
        #expect(try clerk.get("/console/origins").text.contains("Võ Thị Sáu · F-LV-099"))
        let history = try clerk.get("/console/origin?code=\(code)&lang=en").text
        #expect(history.contains("Entry #\(correction.seq)") && history.contains("corrected by minh (tên nông hộ gõ sai)"), "\(history)")
        #expect(try reviewer.post("/console/origin", edit + [try reviewer.seen("/console/origin?code=\(code)&lang=en")]).status == 400,
                "the same change again changes nothing")
        // A page drawn before that correction: its form re-sends every field, and would undo it.
        let stale = try reviewer.post("/console/origin", [("code", code), ("farm_id", "F-LV-099"), ("farm_name", "Võ Thị <b>Sáu</b>"), ("crop", "bưởi"),
                                                          ("reason", "đổi cây trồng"), seen])
        #expect(stale.status == 400 && stale.text.contains("entry #\(correction.seq) about this was recorded after this page was shown"), "\(stale.status)")
        #expect(try reviewer.post("/console/origin", edit + [("seen", "")]).status == 400)
        #expect(try site.ledgerSize() == sizeBefore + 1)
        #expect(try AgriTraceBinary.run(["ledger", "verify", "--ledger", site.workspace.ledger]).status == 0)

        var admin = ConsoleClient(port: server.consolePort)
        #expect(try admin.signIn("hoa", Self.password).status == 303)
        let checkpoint = try admin.post("/console/checkpoint", [])
        let stored = try site.workspace.openLedger().latestCheckpoint()
        #expect(checkpoint.status == 200 && stored != nil)
        // The lots' statements are signed with it, so the public pages can hand out bundles without the key.
        #expect(try site.workspace.openLedger().lastStatementRun() == stored?.checkpoint.size)
    }

    @Test func anUploadIsGradedOnTheServerThenReviewedAndLabelled() throws {
        let site = try Site()
        defer { site.workspace.remove() }
        // The public address the labels print (the console's labels open the lot's page there).
        let server = try site.serve(["--base-url", "https://trace.htx-lai-vung.example/"])
        defer { _ = server.stop() }
        var clerk = ConsoleClient(port: server.consolePort)
        #expect(try clerk.signIn("lan", Self.password).status == 303)
        #expect(try clerk.upload(Array(try FixtureFiles.data("uploads/good.zip")), name: "good.zip", csrf: false).status == 403)
        // Its origin code is new: without the box ticked the upload is refused, and told how the console registers it.
        let unticked = try clerk.upload(Array(try FixtureFiles.data("uploads/good.zip")), name: "good.zip", registerOrigins: false)
        let refusedJob = try #require((try JSONSerialization.jsonObject(with: Data(unticked.body)) as? [String: Any])?["job"] as? String)
        #expect(try clerk.waitForJob(refusedJob)["state"] as? String == "refused")
        let advice = try clerk.get("/console/jobs/\(refusedJob)?lang=vi").text
        #expect(advice.contains("Đăng ký các mã vùng trồng mới theo manifest") && !advice.contains("--register-origins"), "\(advice)")
        let accepted = try clerk.upload(Array(try FixtureFiles.data("uploads/good.zip")), name: "good.zip")
        #expect(accepted.status == 202, "\(accepted.text)")
        let job = try #require((try JSONSerialization.jsonObject(with: Data(accepted.body)) as? [String: Any])?["job"] as? String)
        let end = try clerk.waitForJob(job)
        #expect(end["state"] as? String == "finished", "\(end)")
        let ledger = try site.workspace.openLedger()
        let lots = try ledger.entries(type: .lot), gradings = try ledger.entries(type: .grading)
        #expect(lots.count == 1 && gradings.count == 1)
        #expect((lots + gradings + (try ledger.entries(type: .origin))).allSatisfy { Attribution.recordedBy($0.body) == "lan" })
        let home = try clerk.get("/console/")
        #expect(home.text.contains("DT-LV-261103-01"))

        // Thumbnails of the graded photos, named by the SHA-256 the entry records, for signed-in users only.
        guard case .grading(let graded) = try gradings[0].record() else { Issue.record("not a grading"); return }
        // The ended job's stream tells how many photos it graded (it said 0 of 0 once the job had ended).
        #expect(end["total"] as? Int == graded.images.count && end["done"] as? Int == graded.images.count, "\(end)")
        for image in graded.images {
            #expect(home.text.contains("/console/thumbnails/\(image.sha256).png"), "\(image.file)")
            let thumbnail = try clerk.get("/console/thumbnails/\(image.sha256).png")
            #expect(thumbnail.status == 200 && thumbnail.headers["content-type"] == "image/png")
            #expect(thumbnail.headers["cache-control"]?.hasPrefix("private") == true)
            let picture = try ImageDecoder.decode(data: Data(thumbnail.body), fileName: "thumbnail.png")
            #expect(max(picture.width, picture.height) <= 160 && picture.width > 0)
            #expect(try HTTPProbe.request("GET", "/console/thumbnails/\(image.sha256).png", port: server.consolePort).status == 303)
        }
        #expect(try clerk.get("/console/thumbnails/\(String(repeating: "0", count: 64)).png").status == 404)
        // An encoded slash or dot segment is refused before any route sees it.
        #expect(try clerk.get("/console/thumbnails/..%2f..%2fcoop.key").status == 400)
        #expect(try clerk.get("/console/thumbnails/%2e%2e/coop.key").status == 400)

        // A reviewer changes the grade with a reason: the same correction as `agritrace review`.
        guard case .grading(let grading) = try gradings[0].record() else { Issue.record("not a grading"); return }
        let other = try #require(grading.distribution.keys.sorted().first { $0 != grading.lotGrade })
        var reviewer = ConsoleClient(port: server.consolePort)
        #expect(try reviewer.signIn("minh", Self.password).status == 303)
        #expect(try reviewer.get("/console/review?lot=DT-LV-261103-01").status == 200)
        // Only the form's two decisions sign anything.
        let sizeBefore = try site.workspace.openLedger().size()
        for odd in [[("decision", "delete")], []] {
            let refused = try reviewer.post("/console/review", [("lot", "DT-LV-261103-01"), try reviewer.seen("/console/review?lot=DT-LV-261103-01")] + odd)
            #expect(refused.status == 400, "\(odd): \(refused.status)")
        }
        #expect(try site.workspace.openLedger().size() == sizeBefore)
        let decided = try reviewer.post("/console/review", [("lot", "DT-LV-261103-01"), try reviewer.seen("/console/review?lot=DT-LV-261103-01"),
                                                            ("decision", "grade"), ("grade", other),
                                                            ("reason", "quả dập ở đáy thùng")])
        #expect(decided.status == 200, "\(decided.text)")
        let correction = try #require(try site.workspace.openLedger().entries(type: .correction).last)
        guard case .correction(let record) = try correction.record() else { Issue.record("not a correction"); return }
        #expect(record.reviewer == "minh" && record.changes["lot_grade"] == .string(other) && record.reason == "quả dập ở đáy thùng")
        #expect(Attribution.recordedBy(correction.body) == "minh")
        // An origin correction that would contradict the lot recorded under it is refused; one that does not is recorded.
        let origin = [("code", "VN-DTOR-0141"), ("farm_id", "F-LV-014"), ("crop", "xoài"), ("reason", "thử")]
        _ = try reviewer.get("/console/?lang=en")
        let originSeen = try reviewer.seen("/console/origin?code=VN-DTOR-0141&lang=en")
        let contradicting = try reviewer.post("/console/origin", origin + [originSeen])
        #expect(contradicting.status == 400 && contradicting.text.contains("lot DT-LV-261103-01 is recorded under this code"), "\(contradicting.status)")
        #expect(try reviewer.post("/console/origin", [("code", "VN-DTOR-0141"), ("farm_id", "F-LV-014"), ("crop", "cà chua"),
                                                      ("commune", "Tân Thành"), ("farm_name", "Nguyễn Văn Bá"), ("reason", "dấu tên"), originSeen]).status == 200)
        let verify = try AgriTraceBinary.run(["ledger", "verify", "--ledger", site.workspace.ledger])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")

        // Labels for the chosen lots: one PNG sheet at the stock's size.
        let sheet = try clerk.post("/console/labels", [("lot", "DT-LV-261103-01"), ("stock", "50x30")])
        #expect(sheet.status == 200 && sheet.headers["content-type"] == "image/png")
        let image = try ImageDecoder.decode(data: Data(sheet.body), fileName: "labels.png")
        #expect(image.width == 591 && image.height == 354, "\(image.width)x\(image.height)")
        // A lot the form never offered is said on the dashboard, not answered with a server error.
        let unknown = try clerk.post("/console/labels", [("lot", "NO-SUCH-LOT"), ("stock", "50x30")])
        #expect(unknown.status == 400 && unknown.text.contains("NO-SUCH-LOT") && unknown.text.contains("class=\"error\""), "\(unknown.status) \(unknown.text.suffix(2000))")

        // The same as a PDF: a page per label at the stock's size, valid to qpdf, its QR code readable once drawn.
        let pdf = try clerk.post("/console/labels", [("lot", "DT-LV-261103-01"), ("lot", "DT-LV-261103-01"), ("stock", "50x30"), ("format", "pdf")])
        #expect(pdf.status == 200 && pdf.headers["content-type"] == "application/pdf")
        let file = site.workspace.directory.url.appendingPathComponent("labels.pdf")
        try Data(pdf.body).write(to: file)
        try PDFTools.check(file.path)
        let pages = try PDFTools.pages(file.path)
        #expect(pages.count == 2 && pages.sizes.allSatisfy { $0 == "141.84 x 84.96" }, "\(pages)")
        let drawn = try PDFTools.render(file.path, page: 1, width: 591, height: 354)
        try ConsoleBrowserTests.keep(drawn, width: 591)
        let scanned = try QRCodeReader.decode(drawn.path)
        #expect(scanned.contains("https://trace.htx-lai-vung.example/01/08936045120019/10/DT-LV-261103-01"), "\(scanned)")
    }

    @Test func oversizedUploadsAndZipSlipAreRefusedAndNothingIsRecorded() throws {
        let site = try Site()
        defer { site.workspace.remove() }
        let server = try site.serve(["--console-upload-limit", "1"])
        defer { _ = server.stop() }
        var clerk = ConsoleClient(port: server.consolePort)
        #expect(try clerk.signIn("lan", Self.password).status == 303)
        #expect(try clerk.get("/console/").text.contains("1 MiB"))
        let before = try site.ledgerSize()
        // Refused by its declared length, before a byte of the body is read.
        let declared = Array(("POST /console/uploads?name=big.zip HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            + "Content-Type: application/zip\r\nContent-Length: \((1 << 20) + 1)\r\nCookie: \(clerk.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))\r\n"
            + "X-CSRF-Token: \(clerk.csrf ?? "")\r\n\r\n").utf8)
        #expect(try HTTPProbe.exchange(declared, port: server.consolePort).status == 413)
        // Without a declared length (chunked), the bytes are counted as they arrive and cut off at the limit.
        let chunk = [UInt8](repeating: 0x50, count: 1 << 19)
        var chunked = Array(("POST /console/uploads?name=big.zip HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            + "Transfer-Encoding: chunked\r\nCookie: \(clerk.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))\r\n"
            + "X-CSRF-Token: \(clerk.csrf ?? "")\r\n\r\n").utf8)
        for _ in 0..<3 { chunked += Array("80000\r\n".utf8) + chunk + Array("\r\n".utf8) }
        chunked += Array("0\r\n\r\n".utf8)
        #expect(try HTTPProbe.exchange(chunked, port: server.consolePort).status == 413)
        let work = site.workspace.path("coop.console-work")
        func partialFiles() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: work).filter { $0.hasSuffix(".zip") || $0.hasSuffix(".receiving") }
        }
        #expect(try partialFiles().isEmpty)
        // Cut off mid-body (a dropped connection): what arrived is removed at once, for a zip as for a folder.
        let cookie = "Cookie: \(clerk.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))\r\nX-CSRF-Token: \(clerk.csrf ?? "")\r\n"
        for contentType in ["application/zip", "multipart/form-data; boundary=cut"] {
            let connection = try HTTPProbe.connection(port: server.consolePort)
            var head = "POST /console/uploads?name=cut HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: \(contentType)\r\n"
            head += "Content-Length: \(600 << 10)\r\n\(cookie)\r\n"
            let part = contentType == "application/zip" ? [UInt8](repeating: 0x50, count: 300 << 10)
                : Array("--cut\r\nContent-Disposition: form-data; name=\"path\"\r\n\r\nLOT-1/a.jpg\r\n--cut\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\n".utf8)
                    + [UInt8](repeating: 0x50, count: 300 << 10)
            HTTPProbe.send(Array(head.utf8) + part, on: connection)
            var waited = 0
            while try partialFiles().isEmpty && waited < 600 { usleep(50_000); waited += 1 }
            #expect(try !partialFiles().isEmpty, "the console never started receiving \(contentType)")
            close(connection)
            waited = 0
            while try !partialFiles().isEmpty && waited < 600 { usleep(50_000); waited += 1 }
            let left = try partialFiles()
            #expect(left.isEmpty, "\(contentType): \(left) left in the work folder")
        }

        let slip = try clerk.upload(Array(try FixtureFiles.data("uploads/zip-slip.zip")), name: "zip-slip.zip")
        #expect(slip.status == 202)
        let job = try #require((try JSONSerialization.jsonObject(with: Data(slip.body)) as? [String: Any])?["job"] as? String)
        #expect(try clerk.waitForJob(job)["state"] as? String == "refused")
        let english = try clerk.get("/console/jobs/\(job)?lang=en").text
        #expect(english.contains("../../etc/cron.d/evil.jpg: path escapes the upload"), "\(english)")
        #expect(english.contains("/tmp/absolute.jpg: absolute path") && english.contains("symbolic links are not allowed"))
        let vietnamese = try clerk.get("/console/jobs/\(job)?lang=vi").text
        #expect(vietnamese.contains("lang=\"vi\"") && vietnamese.contains("Chưa ghi gì") && vietnamese.contains("../../etc/cron.d/evil.jpg"))
        #expect(try site.ledgerSize() == before)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/absolute.jpg"))
        #expect(try clerk.get("/console/jobs/..%2f..%2fetc").status == 400, "an encoded slash is refused before routing")

        // A damaged zip is named as the clerk uploaded it, never by the job id it is stored under.
        let lying = try clerk.upload(Array(try FixtureFiles.data("uploads/lying-size.zip")), name: "hop-tac-xa.zip")
        let lyingJob = try #require((try JSONSerialization.jsonObject(with: Data(lying.body)) as? [String: Any])?["job"] as? String)
        #expect(try clerk.waitForJob(lyingJob)["state"] as? String != "finished")
        let said = try clerk.get("/console/jobs/\(lyingJob)?lang=en").text
        #expect(said.contains("hop-tac-xa.zip") && !said.contains(lyingJob.prefix(24) + ".zip"), "\(said)")
    }

    /// A zip of the sample upload (5 lots, 40 photos), optionally without some lots.
    static func sampleZip(without lots: Set<String> = []) throws -> [UInt8] {
        let folder = FixtureFiles.url("uploads/sample")
        let manifest = try String(contentsOf: folder.appendingPathComponent("manifest.csv"), encoding: .utf8)
        // Split by scalars: the manifest's lines end in CRLF, which Swift counts as one Character.
        var lines = manifest.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { String(String.UnicodeScalarView($0)) }
        let header = lines.removeFirst()
        let kept = lines.filter { line in !line.isEmpty && !lots.contains(where: { line.contains(",\($0),") }) }
        let files = Set(kept.map { String($0.prefix { $0 != "," }) })
        var entries = [("manifest.csv", Array(([header] + kept).joined(separator: "\n").utf8) + [0x0a])]
        for file in files.sorted() { entries.append((file, Array(try Data(contentsOf: folder.appendingPathComponent(file))))) }
        return ZipWriter.zip(entries.map { (name: $0.0, bytes: $0.1) })
    }

    /// An admin signs a checkpoint from the console and the configured witnesses are asked to
    /// cosign it: one cosigns (stored with the checkpoint, shown on the page), one is not reached,
    /// one refuses (it does not know this log); each answer is shown. Only an admin may ask. A
    /// clerk's label for a lot no checkpoint covers gets a checkpoint put to the witnesses too.
    @Test func aCheckpointFromTheConsoleIsCosignedByItsWitnesses() throws {
        let site = try Site()
        defer { site.workspace.remove() }
        let graded = try site.workspace.grade(FixtureFiles.url("uploads/sample").path, ["--register-origins", "--quiet"])
        try #require(graded.status <= 1, "setup: \(graded.stderr)")
        let path = site.workspace.path
        let coop = try NoteSigner(name: "htx-lai-vung.example/ledger", seed: [UInt8](repeating: 7, count: 32))
        try SigningKeyFile.writeVerifier(coop.verifier, to: path("coop.vkey"))
        let stranger = try NoteSigner.generate(name: "other-coop.example/ledger")
        try SigningKeyFile.writeVerifier(stranger.verifier, to: path("other.vkey"))
        var witnesses: [ServerProcess] = []
        for (name, log) in [("w1", "coop.vkey"), ("w3", "other.vkey")] {
            let key = try NoteSigner.generate(name: "witness.example/\(name)", type: .cosignatureV1)
            try SigningKeyFile.write(key, to: path("\(name).key"))
            try SigningKeyFile.writeVerifier(key.verifier, to: path("\(name).vkey"))
            witnesses.append(try ServerProcess(["--key", path("\(name).key"), "--log", path(log), "--state", path("\(name)-state")],
                                               command: ["witness", "serve"]))
        }
        defer { for witness in witnesses { _ = witness.stop() } }
        let w2 = try NoteSigner.generate(name: "witness.example/w2", type: .cosignatureV1)
        try SigningKeyFile.writeVerifier(w2.verifier, to: path("w2.vkey"))
        let server = try site.serve(["--witness", witnesses[0].baseURL, "--witness-vkey", path("w1.vkey"),
                                     "--witness", "http://127.0.0.1:9/", "--witness-vkey", path("w2.vkey"),
                                     "--witness", witnesses[1].baseURL, "--witness-vkey", path("w3.vkey")])
        defer { _ = server.stop() }

        var clerk = ConsoleClient(port: server.consolePort)
        #expect(try clerk.signIn("lan", Self.password).status == 303)
        #expect(try clerk.post("/console/checkpoint", []).status == 403)
        // A clerk's label for a lot no checkpoint covers: the checkpoint signed for it is put to
        // the witnesses too (w1 cosigns it), not handed out unwitnessed.
        #expect(try clerk.post("/console/labels", [("lot", "DT-LV-261103-01"), ("stock", "50x30")]).status == 200)
        let forLabel = try #require(try site.workspace.openLedger().latestCheckpoint())
        #expect(forLabel.checkpoint.size == (try site.ledgerSize()))
        let w1 = try SigningKeyFile.loadVerifier(path("w1.vkey"))
        #expect(try SignedNote(parsing: forLabel.signedNote).verify(trusting: [w1]) == [w1], "the label's checkpoint carries w1's cosignature")

        var admin = ConsoleClient(port: server.consolePort)
        #expect(try admin.signIn("hoa", Self.password).status == 303)
        let home = try admin.get("/console/?lang=en").text
        #expect(home.contains("witness.example/w1") && home.contains("witness.example/w3"), "the witnesses asked are named")
        // Nothing appended since the label's checkpoint: the admin's checkpoint is that one (w1 is not asked
        // again), and however often it is pressed no copy of it is stored.
        let storedBefore = try site.workspace.openLedger().checkpoints().count
        let answer = try admin.post("/console/checkpoint", [])
        #expect(answer.status == 200)
        #expect(answer.text.contains("Witness witness.example/w1: cosigned."), "\(answer.text)")
        #expect(answer.text.contains("Witness witness.example/w2 was not reached"), "\(answer.text)")
        #expect(answer.text.contains("Witness witness.example/w3 REFUSED to cosign"), "\(answer.text)")
        #expect(answer.text.contains("Cosigned by witness.example/w1."), "\(answer.text)")

        let stored = try #require(try site.workspace.openLedger().latestCheckpoint())
        let note = try SignedNote(parsing: stored.signedNote)
        #expect(try note.verify(trusting: [w1]) == [w1], "the stored checkpoint carries w1's cosignature")
        #expect(try note.verify(trusting: [coop.verifier]) == [coop.verifier])

        // In Vietnamese too.
        let vietnamese = try admin.get("/console/?lang=vi").text
        #expect(vietnamese.contains("Được đồng ký bởi witness.example/w1."), "\(vietnamese)")
        let again = try admin.post("/console/checkpoint", []).text
        #expect(again.contains("Nhân chứng witness.example/w1: đã đồng ký.") && again.contains("TỪ CHỐI"), "\(again)")
        // The refusing witness answers in both languages; its Vietnamese line reaches the page too.
        #expect(again.contains("nhân chứng này không theo dõi sổ cái htx-lai-vung.example/ledger"), "\(again)")
        let checkpoints = try site.workspace.openLedger().checkpoints()
        #expect(checkpoints.count == storedBefore, "\(checkpoints.count) checkpoints stored, \(storedBefore) before")
        let last = try SignedNote(parsing: try #require(checkpoints.last).signedNote)
        #expect(last.signatures.filter { $0.name == "witness.example/w1" }.count == 1, "\(last.serialized)")
    }

    @Test func witnessOptionsAreCheckedBeforeServing() throws {
        let site = try Site(users: [("hoa", "admin")])
        defer { site.workspace.remove() }
        let base = ["serve", "--ledger", site.workspace.ledger, "--key", site.workspace.key, "--listen", "127.0.0.1:0"]
        let noConsole = try AgriTraceBinary.run(base + ["--witness", "http://127.0.0.1:9", "--witness-vkey", site.workspace.key])
        #expect(noConsole.status == 2 && noConsole.stderr.contains("--console"), "\(noConsole.stderr)")
        let unpaired = try AgriTraceBinary.run(base + ["--console", "--witness", "http://127.0.0.1:9"])
        #expect(unpaired.status == 2 && unpaired.stderr.contains("--witness-vkey"), "\(unpaired.stderr)")
        let coop = try NoteSigner(name: "htx-lai-vung.example/ledger", seed: [UInt8](repeating: 7, count: 32))
        try SigningKeyFile.writeVerifier(coop.verifier, to: site.workspace.path("coop.vkey"))
        let notWitness = try AgriTraceBinary.run(base + ["--console", "--console-listen", "127.0.0.1:0", "--witness", "http://127.0.0.1:9",
                                                         "--witness-vkey", site.workspace.path("coop.vkey")])
        #expect(notWitness.status == 2 && notWitness.stderr.contains("not a witness"), "\(notWitness.stderr)")
        let badURL = try AgriTraceBinary.run(base + ["--console", "--witness", "ftp://x", "--witness-vkey", site.workspace.path("coop.vkey")])
        #expect(badURL.status == 2 && badURL.stderr.contains("http://"), "\(badURL.stderr)")
        // The public address printed on labels carries no password, query or fragment.
        for bad in ["https://admin:pw@trace.example", "https://trace.example/?x=1", "trace.example"] {
            let refused = try AgriTraceBinary.run(base + ["--base-url", bad])
            #expect(refused.status == 2 && refused.stderr.contains("--base-url") && refused.stderr.contains("no user, password"), "\(bad): \(refused.stderr)")
        }
    }

    /// The files of the sample upload's `lots` (all when nil) under `folder/`: its manifest rows and photos.
    static func sampleFiles(lots: Set<String>, folder: String) throws -> [(path: String, bytes: [UInt8])] {
        let source = FixtureFiles.url("uploads/sample")
        let manifest = try String(contentsOf: source.appendingPathComponent("manifest.csv"), encoding: .utf8)
        var lines = manifest.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { String(String.UnicodeScalarView($0)) }
        let header = lines.removeFirst()
        let kept = lines.filter { line in lots.contains(where: { line.contains(",\($0),") }) }
        var files = [(path: folder + "/manifest.csv", bytes: Array(([header] + kept).joined(separator: "\n").utf8) + [0x0a])]
        for photo in kept.map({ String($0.prefix { $0 != "," }) }) {
            files.append((folder + "/" + photo, Array(try Data(contentsOf: source.appendingPathComponent(photo)))))
        }
        return files
    }

    /// More uploads than `--console-queue-limit` waiting or being graded: the next is refused
    /// (503, named, in the page's language) and nothing of it is kept or recorded; the accepted
    /// job records all its lots, and once it has ended an upload is taken again.
    @Test func uploadsBeyondTheQueueLimitAreRefusedByNameAndNothingIsLost() throws {
        let site = try Site()
        defer { site.workspace.remove() }
        let server = try site.serve(["--console-queue-limit", "1"])
        defer { _ = server.stop() }
        var clerk = ConsoleClient(port: server.consolePort)
        #expect(try clerk.signIn("lan", Self.password).status == 303)
        let work = site.workspace.path("coop.console-work")
        let uploads = { try FileManager.default.contentsOfDirectory(atPath: work).filter { $0 != "thumbnails" } }
        // Five lots: grading them takes far longer than the uploads below.
        let accepted = try clerk.upload(try Self.sampleZip(), name: "sample.zip")
        #expect(accepted.status == 202, "\(accepted.text)")
        let job = try #require((try JSONSerialization.jsonObject(with: Data(accepted.body)) as? [String: Any])?["job"] as? String)
        let good = Array(try FixtureFiles.data("uploads/good.zip"))
        // Named as the page's script sends a name (percent-encoded).
        let refused = try clerk.upload(good, name: "ru%E1%BB%99ng-2.zip")
        let folder = try clerk.uploadFolder(try Self.sampleFiles(lots: ["DT-LV-261103-01"], folder: "harvest"), name: "harvest")
        let english = try clerk.get("/console/jobs/\(job)?lang=en")
        #expect(english.status == 200)
        let refusedInEnglish = try clerk.upload(good, name: "ru%E1%BB%99ng-3.zip")
        for (answer, name) in [(refused, "ruộng-2.zip"), (folder, "harvest"), (refusedInEnglish, "ruộng-3.zip")] {
            let text = (try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any])?["error"] as? String ?? ""
            #expect(answer.status == 503 && answer.headers["retry-after"] != nil && text.hasPrefix(name), "\(answer.status) \(text)")
        }
        let englishText = (try JSONSerialization.jsonObject(with: Data(refusedInEnglish.body)) as? [String: Any])?["error"] as? String ?? ""
        let vietnameseText = (try JSONSerialization.jsonObject(with: Data(refused.body)) as? [String: Any])?["error"] as? String ?? ""
        #expect(englishText.contains("1 upload is already waiting") && vietnameseText.contains("không được nhận"), "\(englishText) / \(vietnameseText)")
        #expect(try uploads() == [job + ".zip"], "only the accepted upload is kept")

        #expect(try clerk.waitForJob(job)["state"] as? String == "finished")
        #expect(try site.workspace.openLedger().entries(type: .lot).count == 5)
        let later = try clerk.upload(good, name: "ru%E1%BB%99ng-2.zip")
        #expect(later.status == 202, "\(later.text)")
    }

    /// A folder sent as the page sends it is graded like a zip; a folder with unsafe paths is
    /// refused as a whole with every path listed, and nothing is written outside the work folder.
    @Test func aFolderUploadIsGradedAndUnsafePathsAreAllRefused() throws {
        let site = try Site()
        defer { site.workspace.remove() }
        let server = try site.serve(["--console-upload-limit", "2"])
        defer { _ = server.stop() }
        var clerk = ConsoleClient(port: server.consolePort)
        #expect(try clerk.signIn("lan", Self.password).status == 303)
        let before = try site.ledgerSize()
        let work = site.workspace.path("coop.console-work")
        let uploads = { try FileManager.default.contentsOfDirectory(atPath: work).filter { $0 != "thumbnails" } }
        let escaped = site.workspace.directory.url.appendingPathComponent("escaped.jpg").path

        let good = try Self.sampleFiles(lots: ["DT-LV-261103-01"], folder: "harvest")
        var bad = good
        bad += [("harvest/../../escaped.jpg", [1]), ("../escaped.jpg", [2]), (escaped, [3]), ("harvest\\x.jpg", [4])]
        let refused = try clerk.uploadFolder(bad, name: "harvest")
        #expect(refused.status == 400, "\(refused.text)")
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(refused.body)) as? [String: Any])
        let problems = answer["problems"] as? [String] ?? []
        #expect(problems.count == 4, "\(problems)")
        // Problems come in the console's default language, Vietnamese.
        #expect(problems.contains("harvest/../../escaped.jpg: đường dẫn ra ngoài bộ tải lên ('..')") && problems.contains("\(escaped): đường dẫn tuyệt đối"), "\(problems)")
        #expect(!FileManager.default.fileExists(atPath: escaped))
        #expect(try uploads().isEmpty, "nothing of a refused folder is kept")
        #expect(try site.ledgerSize() == before)

        // Over the stated limit (2 MiB of files): 413, nothing kept.
        let big = good + [("harvest/big.jpg", [UInt8](repeating: 0xFF, count: 2 << 20))]
        #expect(try clerk.uploadFolder(big, name: "harvest").status == 413)
        #expect(try uploads().isEmpty)

        let accepted = try clerk.uploadFolder(good, name: "harvest")
        #expect(accepted.status == 202, "\(accepted.text)")
        let job = try #require((try JSONSerialization.jsonObject(with: Data(accepted.body)) as? [String: Any])?["job"] as? String)
        #expect(try clerk.waitForJob(job)["state"] as? String == "finished")
        let ledger = try site.workspace.openLedger()
        #expect(try ledger.entries(type: .lot).compactMap { try $0.record().lotCode } == ["DT-LV-261103-01"])
        #expect(try ledger.entries(type: .grading).allSatisfy { Attribution.recordedBy($0.body) == "lan" })
    }

    @Test func twoUploadsAtOnceAreBothRecordedAndAKilledGradeFinishesAfterRestartWithEveryLotOnce() throws {
        let site = try Site()
        defer { site.workspace.remove() }
        var server = try site.serve()
        var clerk = ConsoleClient(port: server.consolePort)
        #expect(try clerk.signIn("lan", Self.password).status == 303)
        let first = Array(try FixtureFiles.data("uploads/good.zip"))
        let second = try Self.sampleZip(without: ["DT-LV-261103-01"])
        // Two clerks' uploads at the same moment.
        let answers = Answers()
        let group = DispatchGroup()
        for (bytes, name) in [(first, "good.zip"), (second, "sample.zip")] {
            let client = clerk
            group.enter()
            DispatchQueue.global().async {
                var copy = client
                answers.add(Result { try copy.upload(bytes, name: name) })
                group.leave()
            }
        }
        group.wait()
        let jobs = try answers.all.map { result -> String in
            let answer = try result.get()
            #expect(answer.status == 202, "\(answer.text)")
            return try #require((try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any])?["job"] as? String)
        }
        #expect(jobs.count == 2)

        for job in jobs {
            let page = try clerk.get("/console/jobs/\(job)?lang=en").text
            #expect(!page.contains("Nothing was recorded") && !page.contains("Grading stopped"), "\(page)")
        }
        // Kill the server while the second job grades (right after its first lot is recorded,
        // with three of its lots to go), then start it again.
        let deadline = Date().addingTimeInterval(300)
        while Date() < deadline, try site.workspace.openLedger().entries(type: .grading).count < 2 { usleep(10_000) }
        server.kill9()
        let gradedBeforeKill = try site.workspace.openLedger().entries(type: .grading).count
        #expect(gradedBeforeKill < 5, "the kill came after grading had finished: nothing was interrupted")
        server = try site.serve()
        defer { _ = server.stop() }
        clerk = ConsoleClient(port: server.consolePort)
        #expect(try clerk.signIn("lan", Self.password).status == 303)
        for job in jobs {
            let end = try clerk.waitForJob(job)
            let page = try clerk.get("/console/jobs/\(job)?lang=en").text
            #expect(end["state"] as? String == "finished", "\(page)")
            // Counts kept with the job: also one that ended before the restart tells its photos.
            #expect((end["total"] as? Int ?? 0) > 0 && end["done"] as? Int == end["total"] as? Int, "\(end)")
        }

        let ledger = try site.workspace.openLedger()
        let codes = try ledger.entries(type: .lot).compactMap { try $0.record().lotCode }
        #expect(codes.count == 5 && Set(codes).count == 5, "lots: \(codes) (graded before the kill: \(gradedBeforeKill))")
        #expect(try ledger.entries(type: .grading).count == 5)
        #expect(try ledger.verify().isIntact)
    }

    final class Answers: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var all: [Result<HTTPProbe.Answer, any Error>] = []
        func add(_ result: Result<HTTPProbe.Answer, any Error>) { lock.lock(); all.append(result); lock.unlock() }
    }
}

/// Answers collected from the flood's threads.
final class FloodAnswers: @unchecked Sendable {
    struct Answer { let status: Int; let seconds: Double; let retryAfter: String? }
    private let lock = NSLock()
    private var collected: [Answer] = []
    func add(status: Int, seconds: Double, retryAfter: String?) {
        lock.withLock { collected.append(Answer(status: status, seconds: seconds, retryAfter: retryAfter)) }
    }
    var values: [Answer] { lock.withLock { collected } }
}
