import Crypto
import Foundation
import LedgerStore
import Markup
import Provenance
import Traceability

/// The public HTML pages. Every text from the ledger goes through `Markup.escapeHTML`; each page's
/// Content-Security-Policy admits only its own style sheet (by hash), the verifier script (the
/// server's `/verify.js`, or inline by hash on the stand-alone verifier) and fetches from this server.
enum LotPage {
    struct HTML {
        let status: Int
        let text: String
        let policy: String
    }

    /// Mobile first: one column at 360 px, wider screens just get margins.
    static let style = """
        *{box-sizing:border-box}body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;\
        color:#1b1f23;background:#f6f7f4}main{max-width:40rem;margin:0 auto;padding:12px 14px 32px}\
        header{display:flex;justify-content:space-between;align-items:baseline;gap:8px;flex-wrap:wrap}\
        .ledger{margin:0;font-size:13px;color:#57606a;overflow-wrap:anywhere}h1{font-size:22px;margin:4px 0 10px;overflow-wrap:anywhere}\
        h2{font-size:18px;margin:22px 0 8px}a{color:#0b5cad}.lang{font-size:14px}\
        .grade{margin:0 0 12px;padding:12px 14px;border-radius:8px;font-size:19px;font-weight:600;background:#eceff1;color:#37474f;\
        border:2px solid #b0bec5}.grade.verified{background:#e7f3e8;color:#14532d;border-color:#2e7d32}\
        .grade.held{background:#fff4d6;color:#7a4b00;border-color:#b26a00}.grade.failed{background:#fdecea;color:#8e1b1b;border-color:#c62828}\
        .grade .state{display:block;margin-top:4px;font-size:14px;font-weight:400}\
        dl{margin:0;background:#fff;border:1px solid #d8dee4;border-radius:8px;padding:4px 14px}\
        dl div{padding:8px 0;border-bottom:1px solid #eef1f4}dl div:last-child{border-bottom:0}\
        dt{font-size:13px;color:#57606a}dd{margin:0;overflow-wrap:anywhere}code{font-size:13px;overflow-wrap:anywhere}\
        ul{padding-left:20px}li{margin:6px 0;overflow-wrap:anywhere}.note{font-size:14px;color:#57606a}\
        #verdict{padding:12px 14px;border-radius:8px;background:#eceff1;border:2px solid #b0bec5}\
        #verdict.verified{background:#e7f3e8;border-color:#2e7d32}#verdict.failed{background:#fdecea;border-color:#c62828}\
        #verdict.held{background:#fff4d6;border-color:#b26a00}#verdict p{margin:6px 0}#verdict .head{font-weight:700;font-size:18px}\
        input,button{font:inherit;padding:8px;margin:4px 0;max-width:100%}input[type=url]{width:100%}\
        pre{background:#fff;border:1px solid #d8dee4;border-radius:8px;padding:8px 10px;overflow-x:auto;white-space:pre-wrap;word-break:break-all}\
        h3{font-size:16px;margin:14px 0 6px}.evidence p{overflow-wrap:anywhere}
        """
    static let styleSHA256 = Data(SHA256.hash(data: Data(style.utf8))).base64EncodedString()

    /// The parts of the verifier's configuration that are the same on every page of one server
    /// and language, rendered once (JSON, escaped for a data block).
    struct ConfigParts: Sendable {
        let trust: String
        let lang: String
        let grades: String
        let text: String

        init(trust: TrustList?, language: PageLanguage, gradeNames: [String: String]) {
            self.trust = LotPage.dataBlockJSON(trust?.json ?? .null)
            lang = LotPage.dataBlockJSON(.string(language.rawValue))
            grades = LotPage.dataBlockJSON(LotPage.gradesJSON(gradeNames))
            text = LotPage.dataBlockJSON(LotPage.textTable(language.text))
        }
    }

    /// `connectSources`: where the page's script may fetch the proof from (`proofPath` is on this
    /// server for `serve`; the province's pages fetch it from the cooperative's own server).
    /// `keptQuery` ("name=value&", encoded) stays in the language link; `factsNote` is the page text
    /// key saying where the facts come from.
    static func lot(_ state: LotState, ledger: String, trust: TrustList?, proofPath: String, scriptSHA256: String, language: PageLanguage,
                    gradeNames: [String: String] = [:], connectSources: [String] = ["'self'"], keptQuery: String = "",
                    factsNote: String = "server.says") -> HTML {
        lot(state, ledger: ledger, proofPath: proofPath, scriptSHA256: scriptSHA256, language: language,
            config: ConfigParts(trust: trust, language: language, gradeNames: gradeNames), gradeNames: gradeNames, connectSources: connectSources,
            keptQuery: keptQuery, factsNote: factsNote)
    }

    /// `config`: the parts of the data block a server renders once per language.
    static func lot(_ state: LotState, ledger: String, proofPath: String, scriptSHA256: String, language: PageLanguage,
                    config: ConfigParts, gradeNames: [String: String], connectSources: [String] = ["'self'"], keptQuery: String = "",
                    factsNote: String = "server.says") -> HTML {
        let t = language.text, localizer = language.localizer
        let lot = state.lot, origin = state.origin
        var facts: [(String, String)] = [
            (t["field.cooperative"]!, lot.cooperative),
            (t["field.farm"]!, [origin.farmName, lot.farmID].compactMap { $0 }.joined(separator: " · ")),
            (t["field.origin"]!, lot.originCode),
            (t["field.region"]!, [origin.commune, origin.district, origin.province].compactMap { $0 }.joined(separator: ", ")),
            (t["field.crop"]!, lot.crop),
            (t["field.harvest"]!, localizer.day(lot.harvestDate)),
        ]
        if let grams = lot.quantityGrams { facts.append((t["field.quantity"]!, Self.kilograms(grams, language: language))) }
        if let gtin = lot.gtin { facts.append((t["field.gtin"]!, gtin)) }
        let gradeText: String
        if state.isHeld {
            gradeText = t["grade.held"]!
        } else if let grade = state.currentGrade {
            gradeText = "\(t["field.grade"]!): \(gradeNames[grade] ?? grade)"
        } else {
            gradeText = t["grade.none"]!
        }
        if let grading = state.latestGrading {
            facts.append((t["field.graded"]!, localizer.timestamp(grading.recordedAt)))
            facts.append((t["field.photos"]!, localizer.number(grading.record.images.count)))
            facts.append((t["field.model"]!, "sha256 " + grading.record.model))
            facts.append((t["field.policy"]!, "sha256 " + grading.record.policy))
        }
        var body = header(title: PageText.format(t, "title.lot", lot.lotCode), ledger: ledger, language: language, keptQuery: keptQuery)
        // Neutral until the browser's verdict: the grade is the server's word until then, and a
        // green box there would read as "checked" to a buyer even when the check then fails.
        // verify.js colours it (verified, held, failed) together with the verdict below.
        body += "<p class=\"grade\" id=\"grade\" data-state=\"pending\">\(Markup.escapeHTML(gradeText))"
            + "<span class=\"state\">\(Markup.escapeHTML(t["grade.pending"]!))</span></p>\n"
        // The browser's verdict right under the grade: on a phone it is what the buyer sees first.
        body += verificationSection(t, proofLink: proofPath, factsNote: factsNote)
        body += "<h2>\(Markup.escapeHTML(t["facts"]!))</h2>\n<dl>\n"
        for (name, value) in facts where !value.isEmpty {
            body += "<div><dt>\(Markup.escapeHTML(name))</dt><dd>\(Markup.escapeHTML(value))</dd></div>\n"
        }
        body += "</dl>\n<h2>\(Markup.escapeHTML(t["corrections"]!))</h2>\n"
        if state.corrections.isEmpty {
            body += "<p class=\"note\">\(Markup.escapeHTML(t["corrections.none"]!))</p>\n"
        } else {
            body += "<ul>\n"
            for correction in state.corrections {
                // In words ("lot grade changed to Grade II"), as the CLI and the audit say it.
                let changes = correction.record.changesText(Presentation(localizer: localizer, gradeNames: gradeNames))
                // Who decided it, as the audit report says it: a buyer weighs a reviewer's regrade by who made it.
                let item = correction.record.reviewer.map {
                    PageText.format(t, "correction.itemBy", String(correction.record.corrects), localizer.timestamp(correction.recordedAt), $0,
                                    changes, correction.record.reason)
                } ?? PageText.format(t, "correction.item", String(correction.record.corrects), localizer.timestamp(correction.recordedAt),
                                     changes, correction.record.reason)
                body += "<li>\(Markup.escapeHTML(item))</li>\n"
            }
            body += "</ul>\n"
        }
        let expect: OrderedJSON = .object([("lot", .string(lot.lotCode)), ("grade", state.currentGrade.map(OrderedJSON.string) ?? .null),
                                           ("held", .bool(state.isHeld))])
        body += dataBlock(proof: .string(proofPath), expect: expect, config) + "<script src=\"/verify.js\"></script>\n"
        return HTML(status: 200, text: document(title: PageText.format(t, "title.lot", lot.lotCode), body: body, language: language),
                    policy: Markup.contentSecurityPolicy(styleSHA256: [styleSHA256], scriptSources: ["'self'"],
                                                         connectSources: connectSources, asHeader: true))
    }

    /// The stand-alone verifier: the script inline (by hash), so the page still works saved to a
    /// file or copied to another host, which then edits the trust list in its data block.
    static func verifier(trust: TrustList?, script: [UInt8], scriptSHA256: String, proofURL: String?, language: PageLanguage,
                         gradeNames: [String: String] = [:]) -> HTML {
        let t = language.text
        var body = header(title: t["title.verifier"]!, ledger: nil, language: language)
        body += """
            <p><input type="url" id="proof-url" placeholder="https://…/lot/…/proof"> <button id="check">OK</button></p>
            <p><input type="file" id="proof-file" accept=".proof,text/plain"></p>

            """
        body += verificationSection(t, proofLink: nil)
        // Pretty-printed: whoever hosts a copy edits the trust list in it.
        let config: OrderedJSON = .object([
            ("proof", proofURL.map(OrderedJSON.string) ?? .null),
            ("trust", trust?.json ?? .null),
            ("lang", .string(language.rawValue)),
            ("grades", gradesJSON(gradeNames)),
            ("expect", .null),
            ("text", textTable(t)),
        ])
        body += "<script type=\"application/json\" id=\"agritrace-config\">\(dataBlockSafe(config.rendered()))</script>\n"
            + "<script>" + String(decoding: script, as: UTF8.self) + "</script>\n"
        // A saved copy fetches proofs from any cooperative's server, hence connect-src https: (and
        // http: for servers on a local network).
        let policy = Markup.contentSecurityPolicy(styleSHA256: [styleSHA256], scriptSources: ["'sha256-\(scriptSHA256)'"],
                                                  connectSources: ["https:", "http:"], asHeader: false)
        let meta = "<meta http-equiv=\"Content-Security-Policy\" content=\"\(Markup.escapeHTML(policy))\">\n"
        return HTML(status: 200, text: document(title: t["title.verifier"]!, body: body, language: language, meta: meta),
                    policy: Markup.contentSecurityPolicy(styleSHA256: [styleSHA256], scriptSources: ["'sha256-\(scriptSHA256)'"],
                                                         connectSources: ["https:", "http:"], asHeader: true))
    }

    static func index(origin: String, language: PageLanguage) -> HTML {
        let t = language.text
        let body = header(title: t["title.index"]!, ledger: origin, language: language)
            + "<p>\(Markup.escapeHTML(t["index.body"]!))</p>\n<p><a href=\"/verifier\">\(Markup.escapeHTML(t["title.verifier"]!))</a> · <a href=\"/checkpoint\">checkpoint</a></p>\n"
        return staticPage(200, title: t["title.index"]!, body: body, language: language)
    }

    /// One lot code recorded by several cooperatives: a link to each one's page.
    static func choice(lotCode: String, links: [(name: String, href: String)], language: PageLanguage) -> HTML {
        let t = language.text
        var body = header(title: PageText.format(t, "title.lot", lotCode), ledger: nil, language: language)
            + "<p>\(Markup.escapeHTML(PageText.format(t, "choice.body", String(links.count))))</p>\n<ul>\n"
        for link in links { body += "<li><a href=\"\(Markup.escapeHTML(link.href))\">\(Markup.escapeHTML(link.name))</a></li>\n" }
        body += "</ul>\n"
        return staticPage(200, title: PageText.format(t, "title.lot", lotCode), body: body, language: language)
    }

    static func notFound(detail: String?, language: PageLanguage) -> HTML {
        let t = language.text
        var body = header(title: t["title.notFound"]!, ledger: nil, language: language) + "<p>\(Markup.escapeHTML(t["notFound.body"]!))</p>\n"
        if let detail { body += "<p class=\"note\">\(Markup.escapeHTML(detail))</p>\n" }
        return staticPage(404, title: t["title.notFound"]!, body: body, language: language)
    }

    /// The records cannot be read now (the province's database is down): 503, in the reader's language.
    static func unavailable(detail: String?, language: PageLanguage) -> HTML {
        let t = language.text
        var body = header(title: t["title.unavailable"]!, ledger: nil, language: language) + "<p>\(Markup.escapeHTML(t["unavailable.body"]!))</p>\n"
        if let detail { body += "<p class=\"note\">\(Markup.escapeHTML(detail))</p>\n" }
        return staticPage(503, title: t["title.unavailable"]!, body: body, language: language)
    }

    /// What the province knows of one cooperative, for inspectors: following or halted, and for a
    /// halt the evidence (both signed checkpoints), verbatim so anyone can check the signatures.
    static func cooperativeAudit(_ audit: PublicPages.CooperativeAudit, language: PageLanguage) -> HTML {
        let t = language.text
        let title = PageText.format(t, "audit.title", audit.name)
        var body = header(title: title, ledger: audit.keyName, language: language)
        let halted = !audit.evidence.isEmpty || !audit.following
        body += "<p class=\"grade \(halted ? "failed" : "verified")\" id=\"audit-status\" data-status=\"\(halted ? "halted" : "following")\">"
            + Markup.escapeHTML(t[halted ? "audit.halted" : "audit.following"]!) + "</p>\n<dl>\n"
        var facts: [(String, String)] = [(t["audit.server"]!, audit.baseURL), (t["audit.entries"]!, String(audit.entries)),
                                         (t["audit.checkpoint"]!, String(audit.checkpointSize))]
        if let cosigned = audit.cosignedSize { facts.append((t["audit.cosigned"]!, String(cosigned))) }
        if let error = language == .vi ? (audit.lastErrorVietnamese ?? audit.lastError) : audit.lastError {
            facts.append((t["audit.lastError"]!, error))
        }
        for (name, value) in facts {
            body += "<div><dt>\(Markup.escapeHTML(name))</dt><dd>\(Markup.escapeHTML(value))</dd></div>\n"
        }
        body += "</dl>\n"
        if let note = audit.latestCheckpoint {
            body += "<h2>\(Markup.escapeHTML(t["audit.latest"]!))</h2>\n<pre><code>\(Markup.escapeHTML(note))</code></pre>\n"
        }
        if !audit.evidence.isEmpty {
            body += "<h2>\(Markup.escapeHTML(t["audit.evidence"]!))</h2>\n<p class=\"note\">\(Markup.escapeHTML(t["audit.evidenceNote"]!))</p>\n"
            for item in audit.evidence {
                let kind = t["audit.kind." + item.kind] ?? item.kind
                body += "<section class=\"evidence\" data-kind=\"\(Markup.escapeHTML(item.kind))\"><h3>\(Markup.escapeHTML(kind))</h3>\n"
                let detail = language == .vi ? (item.detailVietnamese ?? item.detail) : item.detail
                body += "<p class=\"note\">\(Markup.escapeHTML(detail))</p>\n"
                if let proof = t["audit.proof." + item.kind] { body += "<p>\(Markup.escapeHTML(proof))</p>\n" }
                if let earlier = item.earlierNote {
                    body += "<p>\(Markup.escapeHTML(t["audit.earlier"]!))</p>\n<pre><code>\(Markup.escapeHTML(earlier))</code></pre>\n"
                }
                let later = t[item.kind == "invalid_entry" ? "audit.laterSigning" : "audit.later"]!
                body += "<p>\(Markup.escapeHTML(later))</p>\n<pre><code>\(Markup.escapeHTML(item.laterNote))</code></pre></section>\n"
            }
        }
        return staticPage(200, title: title, body: body, language: language)
    }

    private static func staticPage(_ status: Int, title: String, body: String, language: PageLanguage) -> HTML {
        HTML(status: status, text: document(title: title, body: body, language: language),
             policy: Markup.contentSecurityPolicy(styleSHA256: [styleSHA256], scriptSources: [], connectSources: [], asHeader: true))
    }

    private static func header(title: String, ledger: String?, language: PageLanguage, keptQuery: String = "") -> String {
        let other = language == .vi ? PageLanguage.en : .vi
        var out = "<header><div>"
        if let ledger { out += "<p class=\"ledger\">\(Markup.escapeHTML(ledger))</p>" }
        out += "<h1>\(Markup.escapeHTML(title))</h1></div>"
        out += "<a class=\"lang\" href=\"\(Markup.escapeHTML("?" + keptQuery + "lang=" + other.rawValue))\" hreflang=\"\(other.rawValue)\">\(Markup.escapeHTML(language.text["lang.other"]!))</a></header>\n"
        return out
    }

    private static func verificationSection(_ t: [String: String], proofLink: String?, factsNote: String = "server.says") -> String {
        var out = "<h2>\(Markup.escapeHTML(t["verify.heading"]!))</h2>\n"
        out += "<div id=\"verdict\" data-verdict=\"pending\" aria-live=\"polite\"><p>\(Markup.escapeHTML(t["verify.running"]!))</p></div>\n"
        out += "<noscript><p>\(Markup.escapeHTML(t["verify.noscript"]!))</p></noscript>\n"
        if proofLink != nil { out += "<p class=\"note\">\(Markup.escapeHTML(t[factsNote]!))</p>\n" }
        if let proofLink { out += "<p id=\"proof-link\"><a href=\"\(Markup.escapeHTML(proofLink))\">\(Markup.escapeHTML(t["verify.proofLink"]!))</a></p>\n" }
        return out
    }

    private static func document(title: String, body: String, language: PageLanguage, meta: String = "") -> String {
        """
        <!doctype html>
        <html lang="\(language.rawValue)">
        <head>
        <meta charset="utf-8">
        \(meta)<meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>\(Markup.escapeHTML(title))</title>
        <style>\(style)</style>
        </head>
        <body><main>
        \(body)</main></body>
        </html>

        """
    }

    /// The verifier's configuration as JSON in a non-executed `<script type="application/json">` block.
    private static func dataBlock(proof: OrderedJSON, expect: OrderedJSON, _ parts: ConfigParts) -> String {
        "<script type=\"application/json\" id=\"agritrace-config\">{\"proof\":\(dataBlockJSON(proof)),\"trust\":\(parts.trust),"
            + "\"lang\":\(parts.lang),\"grades\":\(parts.grades),\"expect\":\(dataBlockJSON(expect)),\"text\":\(parts.text)}</script>\n"
    }

    /// `json` on one line with `<`, `>` and `&` written as `\\u003c` etc. (`dataBlockSafe`).
    static func dataBlockJSON(_ json: OrderedJSON) -> String {
        dataBlockSafe(json.renderedCompact())
    }

    /// JSON text with `<`, `>` and `&` written as `\\u003c` etc. (they occur only inside strings), so
    /// no text can close the data block's element.
    private static func dataBlockSafe(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: "&") }) else { return text }
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count + 32)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "<"): out += Array("\\u003c".utf8)
            case UInt8(ascii: ">"): out += Array("\\u003e".utf8)
            case UInt8(ascii: "&"): out += Array("\\u0026".utf8)
            default: out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Grade code → name in the page's language, for the verifier script.
    private static func gradesJSON(_ names: [String: String]) -> OrderedJSON {
        .object(names.keys.sorted().map { ($0, OrderedJSON.string(names[$0]!)) })
    }

    private static func textTable(_ table: [String: String]) -> OrderedJSON {
        .object(table.keys.sorted().filter { $0.hasPrefix("verify.") || $0.hasPrefix("fail.") || $0.hasPrefix("field.") || $0.hasPrefix("grade.") || $0.hasPrefix("kind.") }
            .map { ($0, .string(table[$0]!)) })
    }

    /// `1500` → "1.5 kg" (English) / "1,5 kg" (Vietnamese decimal comma); exact, never rounded.
    static func kilograms(_ grams: Int, language: PageLanguage) -> String {
        var fraction = String(String(grams % 1000).reversed()).padding(toLength: 3, withPad: "0", startingAt: 0)
        fraction = String(fraction.reversed())
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(grams / 1000)" + (fraction.isEmpty ? "" : (language == .vi ? "," : ".") + fraction) + " kg"
    }
}
