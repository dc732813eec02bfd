import Localization

/// Every text the public pages and the browser verifier show, from the Localization catalogue
/// (vi.po, context "page"), one table per language. Keys are shared by the Swift pages and
/// `verify.js` (which receives the table of the page's language as JSON).
enum PageLanguage: String, CaseIterable, Sendable {
    case vi, en

    /// The `Accept-Language` language we have with the highest quality (`q`, default 1; `q=0`
    /// means "not this one"), the earlier on a tie; Vietnamese otherwise.
    static func from(acceptLanguage: String?, query: String?) -> PageLanguage {
        if let query, let language = PageLanguage(rawValue: query) { return language }
        var best: (language: PageLanguage, quality: Double)?
        for part in (acceptLanguage ?? "").split(separator: ",").prefix(32) {
            let fields = part.split(separator: ";")
            guard let first = fields.first else { continue }
            let tag = first.trimmingCharacters(in: .whitespaces).lowercased()
            let language: PageLanguage? = tag == "vi" || tag.hasPrefix("vi-") ? .vi : tag == "en" || tag.hasPrefix("en-") ? .en : nil
            var quality = 1.0
            for parameter in fields.dropFirst() {
                let pair = parameter.trimmingCharacters(in: .whitespaces)
                if pair.hasPrefix("q="), let value = Double(pair.dropFirst(2)), (0...1).contains(value) { quality = value }
            }
            if let language, quality > 0, quality > (best?.quality ?? 0) { best = (language, quality) }
        }
        return best?.language ?? .vi
    }

    var text: [String: String] { self == .vi ? PageText.vietnamese : PageText.english }

    /// Days, times and numbers in the page's language.
    var localizer: Localizer { self == .vi ? PageText.vietnameseLocalizer : .english }
}

enum PageText {
    /// Every text by key, in English (the catalogue's msgids, context "page"); `{1}`, `{2}`, …
    /// become `%1`, `%2`, … in the tables, which `format` here and `t()` in verify.js fill in.
    static let messages: [(key: String, message: Message)] = [
        ("title.lot", Message("Lot {1}", context: "page")),
        ("title.index", Message("Cooperative ledger", context: "page")),
        ("title.verifier", Message("Check a lot's proof", context: "page")),
        ("title.notFound", Message("Not found", context: "page")),
        ("field.cooperative", Message("Cooperative", context: "page")),
        ("field.farm", Message("Farm", context: "page")),
        ("field.origin", Message("Growing area code", context: "page")),
        ("field.region", Message("Region", context: "page")),
        ("field.crop", Message("Crop", context: "page")),
        ("field.harvest", Message("Harvest date", context: "page")),
        ("field.quantity", Message("Quantity", context: "page")),
        ("field.grade", Message("Grade", context: "page")),
        ("field.graded", Message("Graded", context: "page")),
        ("field.photos", Message("Photos graded", context: "page")),
        ("field.model", Message("Grading model", context: "page")),
        ("field.policy", Message("Grading policy", context: "page")),
        ("field.gtin", Message("GTIN", context: "page")),
        ("grade.held", Message("HELD FOR REVIEW: not cleared for sale", context: "page")),
        ("grade.none", Message("not graded yet", context: "page")),
        ("grade.pending", Message("Not checked yet: what the cooperative's server says", context: "page")),
        ("grade.unverified", Message("NOT VERIFIED: do not rely on this grade", context: "page")),
        ("grade.notYet", Message("Not yet verifiable: what the cooperative's server says", context: "page")),
        ("corrections", Message("Corrections", context: "page")),
        ("corrections.none", Message("No corrections recorded.", context: "page")),
        ("correction.item", Message("Entry #{1} corrected on {2}: {3} (reason: {4})", context: "page")),
        ("correction.itemBy", Message("Entry #{1} corrected on {2} by {3}: {4} (reason: {5})", context: "page")),
        ("province.says", Message("The box above is your browser's own check of the cooperative's signed records; the facts below are the province's copy of them.", context: "page")),
        ("server.says", Message("The box above is your browser's own check of the cooperative's signed records; the facts below are what the cooperative's server says.", context: "page")),
        ("facts", Message("The lot", context: "page")),
        ("verify.heading", Message("Verification", context: "page")),
        ("verify.running", Message("Checking the signed records in your browser…", context: "page")),
        ("verify.noscript", Message("Turn on JavaScript to check the signatures in your browser, or download the proof and check it with agritrace verify-label.", context: "page")),
        ("verify.proofLink", Message("Download the proof bundle", context: "page")),
        ("verify.ok", Message("VERIFIED in your browser", context: "page")),
        ("verify.okHeld", Message("VERIFIED in your browser: this lot is HELD FOR REVIEW and not cleared for sale", context: "page")),
        ("verify.fail", Message("NOT VERIFIED", context: "page")),
        ("verify.notYet", Message("NOT YET VERIFIABLE", context: "page")),
        ("verify.cannot", Message("CANNOT CHECK NOW", context: "page")),
        ("verify.cannotWhy", Message("The proof could not be fetched from the cooperative's server ({1}). Nothing was checked; this page shows only what the server says. Try again later.", context: "page")),
        ("verify.noAnswer", Message("no answer", context: "page")),
        ("verify.notYetWhy", Message("The cooperative has not signed a checkpoint covering this lot's newest record yet, so your browser cannot check it now. Until then, this page shows only what the cooperative's server says; try again later.", context: "page")),
        ("verify.signedBy", Message("Signed by the cooperative's key {1}.", context: "page")),
        ("verify.witnessed", Message("Cosigned by {1} of the {2} witnesses this verifier trusts ({3} required): {4}.", context: "page")),
        ("verify.noWitnesses", Message("No witness is required by this verifier's trust list.", context: "page")),
        ("verify.checkpoint", Message("The ledger's checkpoint of {1} entries (newest entry recorded {2}) includes every record below.", context: "page")),
        ("verify.proven", Message("Proven: lot {1} from farm {2} (growing area {3}), {4}, harvested {5}; grade: {6}.", context: "page")),
        ("verify.notCovered", Message("Not covered: anything recorded after {1} (ask for a newer proof).", context: "page")),
        ("verify.trustFrom", Message("Keys trusted here were configured by this page's host.", context: "page")),
        ("fail.noTrust", Message("this page's host configured no trusted keys, so nothing can be verified", context: "page")),
        ("fail.noCrypto", Message("this browser cannot check Ed25519 signatures (WebCrypto); use an up-to-date browser or agritrace verify-label", context: "page")),
        ("fail.parse", Message("the proof bundle is malformed: {1}", context: "page")),
        ("fail.checkpointKey", Message("the checkpoint is not signed by a key this verifier trusts", context: "page")),
        ("fail.checkpointSig", Message("the checkpoint's signature by {1} does not verify", context: "page")),
        ("fail.quorum", Message("only {1} of the required {2} witnesses cosigned the checkpoint", context: "page")),
        ("fail.entrySig", Message("entry #{1} ({2}): its signature does not verify under a trusted key: the record was changed after signing", context: "page")),
        ("fail.entrySigner", Message("entry #{1} is signed by {2}, a key this verifier does not trust", context: "page")),
        ("fail.inclusion", Message("entry #{1} ({2}) is not included in the signed checkpoint: the record differs from what the ledger signed", context: "page")),
        // What kind of record an entry is, in failure messages (the entry's own "type" otherwise).
        ("kind.origin", Message("growing-area registration", context: "page")),
        ("kind.lot", Message("lot record", context: "page")),
        ("kind.grading", Message("grading", context: "page")),
        ("kind.correction", Message("correction", context: "page")),
        ("fail.statement", Message("the cooperative's signed list of the lot's records does not match the bundle: {1}", context: "page")),
        ("fail.statementSig", Message("its signature does not verify under a trusted key (the list was changed after signing)", context: "page")),
        ("fail.lotMismatch", Message("the page shows {1} {2}, but the signed records say {3}", context: "page")),
        ("fail.contents", Message("the bundle does not hold one lot's records: {1}", context: "page")),
        ("fail.uninterpreted", Message("correction #{1} changes the field {2}, which this check cannot interpret: the lot's state is not proven", context: "page")),
        ("fail.otherLot", Message("this address is for lot {1}, but the signed records are of lot {2}", context: "page")),
        ("fail.otherGTIN", Message("this address is for product GTIN {1}, but the signed lot record names GTIN {2}", context: "page")),
        ("choice.body", Message("{1} cooperatives have recorded a lot with this code. Choose the one on your label:", context: "page")),
        ("notFound.body", Message("Nothing is recorded at this address.", context: "page")),
        ("title.unavailable", Message("Not available now", context: "page")),
        ("unavailable.body", Message("The records cannot be read at the moment. Please try again in a few minutes.", context: "page")),
        ("audit.title", Message("Audit of cooperative {1}", context: "page")),
        ("audit.following", Message("Following: every checkpoint and entry taken from this cooperative verified and consistent so far.", context: "page")),
        ("audit.halted", Message("HALTED: the province found a fault in this cooperative's ledger (the evidence is below) and takes no more entries from it.", context: "page")),
        ("audit.server", Message("Its server", context: "page")),
        ("audit.entries", Message("Entries verified and stored", context: "page")),
        ("audit.checkpoint", Message("Latest verified checkpoint (entries)", context: "page")),
        ("audit.cosigned", Message("Cosigned by this province up to (entries)", context: "page")),
        ("audit.lastError", Message("Last error reading its server", context: "page")),
        ("audit.latest", Message("Latest verified checkpoint", context: "page")),
        ("audit.evidence", Message("Evidence", context: "page")),
        ("audit.evidenceNote", Message("Every checkpoint below is signed by the cooperative's key; anyone can check the signatures with the cooperative's public key. What they prove depends on the kind of fault, as each one says.", context: "page")),
        ("audit.earlier", Message("The checkpoint verified earlier:", context: "page")),
        ("audit.later", Message("The conflicting checkpoint:", context: "page")),
        ("audit.laterSigning", Message("The checkpoint that signs it:", context: "page")),
        ("audit.proof.rollback", Message("The province verified the earlier checkpoint first and was shown the smaller one after it. The two do not contradict each other on their own: the order in which the province saw them is the evidence.", context: "page")),
        ("audit.proof.equivocation", Message("Same size, different roots: these two signed checkpoints alone prove that the cooperative signed two histories.", context: "page")),
        ("audit.proof.fork", Message("The province verified the entries under the earlier checkpoint; the conflicting checkpoint signs a root that those entries, with the ones served after them, do not give (the roots are named above).", context: "page")),
        ("audit.proof.invalid_entry", Message("The checkpoint below signs a log that holds the entry quoted above, which breaks the ledger's rules.", context: "page")),
        ("audit.kind.rollback", Message("Rollback: the server showed a smaller log than one the cooperative had signed before.", context: "page")),
        ("audit.kind.equivocation", Message("Two different checkpoints of the same size: the cooperative signed two histories.", context: "page")),
        ("audit.kind.fork", Message("Fork: the new checkpoint does not extend the one verified before.", context: "page")),
        ("audit.kind.invalid_entry", Message("A signed entry that breaks the ledger's rules.", context: "page")),
        ("index.body", Message("Scan a label's QR code, or open /lot/<lot code>, to see a lot and check its signed records in your browser.", context: "page")),
    ]

    static let english = table(.english)
    // The bundled catalogue is checked by the Localization tests; English is the fallback if it is missing.
    static let vietnameseLocalizer = (try? Localizer.bundled(.vietnamese)) ?? .english
    static let vietnamese = table(vietnameseLocalizer)

    /// The page texts in `localizer`'s language; "lang.other" names the other language in itself.
    static func table(_ localizer: Localizer) -> [String: String] {
        let positional = Dictionary(uniqueKeysWithValues: (1...9).map { (String($0), MessageArgument.text("%\($0)")) })
        var table: [String: String] = ["lang.other": localizer.language == .vietnamese ? "English" : "Tiếng Việt"]
        for (key, message) in messages {
            table[key] = localizer.render(message.with(positional))
        }
        return table
    }

    /// `key`'s text with `%1`, `%2`, … replaced by `arguments` (already plain text; the caller escapes).
    static func format(_ table: [String: String], _ key: String, _ arguments: String...) -> String {
        // One pass, so an argument that itself contains "%2" is never substituted again.
        let template = Array((table[key] ?? key).unicodeScalars)
        var out = String.UnicodeScalarView()
        var index = 0
        while index < template.count {
            if template[index] == "%", index + 1 < template.count, let digit = template[index + 1].properties.numericType != nil
                ? Int(String(template[index + 1])) : nil, digit >= 1, digit <= arguments.count {
                out.append(contentsOf: arguments[digit - 1].unicodeScalars)
                index += 2
            } else {
                out.append(template[index])
                index += 1
            }
        }
        return String(out)
    }
}
