import Foundation
import Imaging
import LedgerStore
import MerkleLog
import Provenance
import Testing
import TestSupport

/// The console's journeys in headless Chromium (Debian's `chromium`), driven over the DevTools
/// protocol: typing, clicking, choosing the upload file, following the live progress. Screenshots
/// at phone (360 px) and desktop (1280 px) width are checked for their size; with
/// AGRITRACE_SCREENSHOTS=DIR set they are kept there to be looked at.
@Suite(.serialized) struct ConsoleBrowserTests {
    static func keep(_ shot: URL, width: Int) throws {
        let image = try ImageDecoder.decode(data: try Data(contentsOf: shot), fileName: shot.lastPathComponent)
        #expect(image.width == width, "\(shot.lastPathComponent): \(image.width) px wide")
        if let keep = ProcessInfo.processInfo.environment["AGRITRACE_SCREENSHOTS"] {
            try? FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
            try? FileManager.default.removeItem(atPath: keep + "/" + shot.lastPathComponent)
            try FileManager.default.copyItem(atPath: shot.path, toPath: keep + "/" + shot.lastPathComponent)
        }
    }

    static func signIn(_ browser: BrowserSession, base: String, _ name: String, language: String) throws {
        try browser.navigate(base + "/console/login?lang=\(language)")
        try browser.fill("#name", name)
        try browser.fill("#password", ConsoleJourneyTests.password)
        try browser.click("form[action='/console/login'] button")
        try browser.waitUntil("location.pathname === '/console/'")
    }

    static func signOut(_ browser: BrowserSession) throws {
        try browser.click("form[action='/console/logout'] button")
        try browser.waitUntil("location.pathname === '/console/login'")
    }

    @Test(arguments: ["vi", "en"]) func theClerksDayAndTheReviewersDecision(language: String) throws {
        let site = try ConsoleJourneyTests.Site()
        defer { site.workspace.remove() }
        let server = try site.serve()
        defer { _ = server.stop() }
        let base = "http://127.0.0.1:\(server.consolePort)"
        let shots = site.workspace.directory.url
        let vietnamese = language == "vi"
        for (width, height, mobile, kind) in [(1280, 900, false, "desktop"), (360, 740, true, "phone")] {
            let browser = try BrowserSession(width: width, height: height, mobile: mobile, directory: shots)
            func shot(_ name: String) throws {
                let file = shots.appendingPathComponent("console-\(name)-\(language)-\(kind).png")
                try browser.screenshot(to: file)
                try Self.keep(file, width: width)
            }
            try browser.navigate(base + "/console/login?lang=\(language)")
            #expect(try browser.evaluate("document.documentElement.lang") as? String == language)
            try shot("login")
            try Self.signIn(browser, base: base, "lan", language: language)
            #expect(browser.text.contains(vietnamese ? "Tải ảnh lên để phân hạng" : "Upload photos to grade"))
            try shot("home")
            guard kind == "desktop" else { continue }

            // Upload the sample zip and watch the progress to the end.
            // The pickers are the page's own labels, in its language; the browser's widget (in the browser's language) is hidden.
            let picker = try browser.evaluate("getComputedStyle(document.querySelector('#file')).opacity + ' ' + document.querySelector('label[for=file]').offsetWidth") as? String ?? ""
            #expect(picker.hasPrefix("0 ") && picker != "0 0", "\(picker)")
            try browser.chooseFile("#file", path: FixtureFiles.url("uploads/good.zip").path)
            try browser.waitUntil("document.querySelector('#chosen').innerText.indexOf('good.zip (') === 0")
            try browser.click("input[name=register_origins]")
            try browser.click("#upload button")
            try browser.waitUntil("location.pathname.indexOf('/console/jobs/') === 0")
            try browser.waitUntil("document.querySelector('#job').dataset.live === '0'", timeoutSeconds: 600)
            #expect(browser.text.contains(vietnamese ? "Xong: đã ghi 1 lô" : "Finished: 1 lot recorded"), "\(browser.text)")
            try shot("job")
            try browser.navigate(base + "/console/")
            #expect(browser.text.contains("DT-LV-261103-01"))
            try shot("lots")

            // Labels for the chosen lot: the form asks for a PDF unless told otherwise; as a PNG the sheet opens in the tab.
            try browser.click("input[name=lot]")
            let asked = try browser.evaluate("""
                (function(){var f=document.querySelector("form[action='/console/labels']");
                return fetch(f.action,{method:'POST',body:new URLSearchParams(new FormData(f))}).then(function(r){return r.headers.get('content-type')})})()
                """) as? String
            #expect(asked == "application/pdf")
            try browser.evaluate("document.querySelector('#format').value = 'png'")
            try browser.click("form[action='/console/labels'] button")
            try browser.waitUntil("document.contentType === 'image/png'")
            try browser.navigate(base + "/console/")
            try Self.signOut(browser)

            // The reviewer re-grades the lot with a reason.
            try Self.signIn(browser, base: base, "minh", language: language)
            try browser.navigate(base + "/console/review?lot=DT-LV-261103-01")
            try shot("review")
            try browser.click("input[value=grade]")
            try browser.evaluate("(function(){var s=document.querySelector('#grade');s.selectedIndex=s.options.length-1;return true})()")
            try browser.fill("#reason", vietnamese ? "quả dập ở đáy thùng" : "bruised fruit at the bottom")
            try browser.click("form[action='/console/review'] button")
            try browser.waitUntil("location.pathname === '/console/review' && document.querySelector('section.ok') !== null")
            #expect(browser.text.contains(vietnamese ? "Đã ghi: lô DT-LV-261103-01" : "Recorded: lot DT-LV-261103-01"), "\(browser.text)")
            try shot("reviewed")
            try Self.signOut(browser)
            #expect(browser.text.contains(vietnamese ? "Đăng nhập" : "Sign in"))
        }
        let corrections = try site.workspace.openLedger().entries(type: .correction)
        #expect(corrections.count == 1 && corrections.allSatisfy { Attribution.recordedBy($0.body) == "minh" })
    }

    /// A folder of photos with its manifest, chosen with the folder picker (vi) or dragged onto
    /// the page (en), is sent with its paths and graded like a zip.
    @Test(arguments: ["vi", "en"]) func aFolderChosenOrDroppedIsGraded(language: String) throws {
        let site = try ConsoleJourneyTests.Site()
        defer { site.workspace.remove() }
        let server = try site.serve()
        defer { _ = server.stop() }
        let base = "http://127.0.0.1:\(server.consolePort)"
        let shots = site.workspace.directory.url
        let name = "harvest-\(language)"
        let files = try ConsoleJourneyTests.sampleFiles(lots: ["DT-LV-261103-01"], folder: name)
        for file in files {
            let target = shots.appendingPathComponent(file.path)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(file.bytes).write(to: target)
        }
        let folder = shots.appendingPathComponent(name).path
        for (width, height, mobile, kind) in [(1280, 900, false, "desktop"), (360, 740, true, "phone")] {
            let browser = try BrowserSession(width: width, height: height, mobile: mobile, directory: shots)
            try Self.signIn(browser, base: base, "lan", language: language)
            if language == "vi" {
                try browser.chooseFile("#folder", path: folder)
            } else {
                try browser.drop([folder], onto: "#drop")
            }
            try browser.waitUntil("document.querySelector('#chosen').innerText.indexOf('\(name)') >= 0")
            let chosen = try browser.evaluate("document.querySelector('#chosen').innerText") as? String ?? ""
            #expect(chosen.contains(language == "vi" ? "số tệp: \(files.count)" : "files: \(files.count)"), "\(chosen)")
            let shot = shots.appendingPathComponent("console-folder-chosen-\(language)-\(kind).png")
            try browser.screenshot(to: shot)
            try Self.keep(shot, width: width)
            guard kind == "desktop" else { continue }
            try browser.click("input[name=register_origins]")
            try browser.click("#upload button")
            try browser.waitUntil("location.pathname.indexOf('/console/jobs/') === 0")
            try browser.waitUntil("document.querySelector('#job').dataset.live === '0'", timeoutSeconds: 600)
            #expect(browser.text.contains(language == "vi" ? "Xong: đã ghi 1 lô" : "Finished: 1 lot recorded"), "\(browser.text)")
            #expect(browser.text.contains(name))
        }
        let codes = try site.workspace.openLedger().entries(type: .lot).compactMap { try $0.record().lotCode }
        #expect(codes == ["DT-LV-261103-01"])
    }

    /// A reviewer registers an origin code, then corrects its farm name with a reason; the
    /// origin's page shows it as it stands and both entries of its history.
    @Test(arguments: ["vi", "en"]) func anOriginCodeIsRegisteredThenCorrected(language: String) throws {
        let site = try ConsoleJourneyTests.Site()
        defer { site.workspace.remove() }
        let server = try site.serve()
        defer { _ = server.stop() }
        let base = "http://127.0.0.1:\(server.consolePort)"
        let shots = site.workspace.directory.url
        let vietnamese = language == "vi"
        for (width, height, mobile, kind) in [(1280, 900, false, "desktop"), (360, 740, true, "phone")] {
            let browser = try BrowserSession(width: width, height: height, mobile: mobile, directory: shots)
            try Self.signIn(browser, base: base, "minh", language: language)
            let code = "VN-DTOR-09\(kind == "desktop" ? "81" : "82")"
            try browser.navigate(base + "/console/origins")
            try browser.fill("#origin_code", code)
            try browser.fill("#farm_id", "F-LV-099")
            try browser.fill("#farm_name", "Vo Thi Sau")
            try browser.fill("#crop", "xoài")
            try browser.click("form[action='/console/origins'] button")
            try browser.waitUntil("document.querySelector('section.ok') !== null")
            try browser.click("a[href='/console/origin?code=\(code)']")
            try browser.waitUntil("location.pathname === '/console/origin'")
            try browser.fill("#farm_name", "Võ Thị Sáu")
            try browser.fill("#reason", vietnamese ? "tên gõ thiếu dấu" : "name typed without accents")
            try browser.click("form[action='/console/origin'] button")
            try browser.waitUntil("document.querySelector('section.ok') !== null")
            let text = browser.text
            #expect(text.contains(vietnamese ? "Đã ghi đính chính cho \(code)" : "Recorded a correction of \(code)"), "\(text)")
            #expect(text.contains("Võ Thị Sáu") && text.contains(vietnamese ? "do minh đính chính" : "corrected by minh"), "\(text)")
            let shot = shots.appendingPathComponent("console-origin-corrected-\(language)-\(kind).png")
            try browser.screenshot(to: shot)
            try Self.keep(shot, width: width)
        }
        #expect(try site.workspace.openLedger().entries(type: .correction).count == 2)
    }

    /// An admin signs a checkpoint and a witness cosigns it (desktop in English, phone in Vietnamese).
    @Test func anAdminHasACheckpointCosigned() throws {
        let site = try ConsoleJourneyTests.Site()
        defer { site.workspace.remove() }
        let path = site.workspace.path
        let coop = try NoteSigner(name: "htx-lai-vung.example/ledger", seed: [UInt8](repeating: 7, count: 32))
        try SigningKeyFile.writeVerifier(coop.verifier, to: path("coop.vkey"))
        let key = try NoteSigner.generate(name: "witness.example/w1", type: .cosignatureV1)
        try SigningKeyFile.write(key, to: path("w1.key"))
        try SigningKeyFile.writeVerifier(key.verifier, to: path("w1.vkey"))
        let witness = try ServerProcess(["--key", path("w1.key"), "--log", path("coop.vkey"), "--state", path("w1-state")], command: ["witness", "serve"])
        defer { _ = witness.stop() }
        let server = try site.serve(["--witness", witness.baseURL, "--witness-vkey", path("w1.vkey")])
        defer { _ = server.stop() }
        let base = "http://127.0.0.1:\(server.consolePort)"
        let shots = site.workspace.directory.url
        for (width, height, mobile, kind, language) in [(1280, 900, false, "desktop", "en"), (360, 740, true, "phone", "vi")] {
            let browser = try BrowserSession(width: width, height: height, mobile: mobile, directory: shots)
            try Self.signIn(browser, base: base, "hoa", language: language)
            try browser.click("form[action='/console/checkpoint'] button")
            try browser.waitUntil("document.querySelector('section.ok') !== null")
            #expect(browser.text.contains(language == "vi" ? "Nhân chứng witness.example/w1: đã đồng ký." : "Witness witness.example/w1: cosigned."), "\(browser.text)")
            try browser.evaluate("document.querySelector('form[action=\"/console/checkpoint\"]').scrollIntoView()")
            let shot = shots.appendingPathComponent("console-checkpoint-\(language)-\(kind).png")
            try browser.screenshot(to: shot)
            try Self.keep(shot, width: width)
        }
        // Signed once and stored again with w1's cosignature; the second press, nothing appended since, stores nothing.
        #expect(try site.workspace.openLedger().checkpoints().count == 2)
    }

    @Test func theRefusalsInTheBrowser() throws {
        let site = try ConsoleJourneyTests.Site()
        defer { site.workspace.remove() }
        let server = try site.serve(["--console-upload-limit", "1"])
        defer { _ = server.stop() }
        let base = "http://127.0.0.1:\(server.consolePort)"
        let shots = site.workspace.directory.url
        let browser = try BrowserSession(width: 1280, height: 900, mobile: false, directory: shots)

        // Wrong password.
        try browser.navigate(base + "/console/login?lang=en")
        try browser.fill("#name", "lan")
        try browser.fill("#password", "not the password")
        try browser.click("form[action='/console/login'] button")
        try browser.waitUntil("document.body.innerText.indexOf('Wrong user name or password.') >= 0")

        // A form without its CSRF token (as a forged cross-site form would be).
        try Self.signIn(browser, base: base, "lan", language: "en")
        try browser.navigate(base + "/console/origins")
        try browser.evaluate("document.querySelector(\"form[action='/console/origins'] input[name=csrf]\").remove()")
        try browser.fill("#origin_code", "VN-DTOR-0999")
        try browser.fill("#farm_id", "F-1")
        try browser.fill("#crop", "xoài")
        try browser.click("form[action='/console/origins'] button")
        try browser.waitUntil("document.body.innerText.indexOf('did not come from this console') >= 0")

        // A clerk opening the reviewer's page.
        try browser.navigate(base + "/console/review?lot=DT-LV-261103-01")
        #expect(browser.text.contains("may not do this"), "\(browser.text)")

        // Over the stated limit: refused before sending.
        try browser.navigate(base + "/console/")
        let big = shots.appendingPathComponent("big.zip")
        try Data(repeating: 0x50, count: (1 << 20) + 1).write(to: big)
        try browser.chooseFile("#file", path: big.path)
        try browser.click("#upload button")
        try browser.waitUntil("document.querySelector('#upload-status').innerText.indexOf('larger than the limit of 1 MiB') >= 0")

        // Zip slip, dropped onto the form: the whole report, nothing recorded.
        try browser.drop([FixtureFiles.url("uploads/zip-slip.zip").path], onto: "#drop")
        try browser.waitUntil("document.querySelector('#chosen').innerText.indexOf('zip-slip.zip') === 0")
        try browser.click("#upload button")
        try browser.waitUntil("location.pathname.indexOf('/console/jobs/') === 0")
        try browser.waitUntil("document.querySelector('#job').dataset.live === '0'", timeoutSeconds: 300)
        #expect(browser.text.contains("../../etc/cron.d/evil.jpg: path escapes the upload"), "\(browser.text)")
        let file = shots.appendingPathComponent("console-zip-slip-en-desktop.png")
        try browser.screenshot(to: file)
        try Self.keep(file, width: 1280)
        #expect(try site.ledgerSize() == 1)
    }
}
