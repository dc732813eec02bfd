import ArgumentParser
import Foundation
import LedgerStore
import Localization
import PublicServer

/// `agritrace serve --ledger DB [--listen ADDR:PORT] [--trust FILE] [--key KEY] [--base-url URL]`:
/// the public read-only web server (lot pages, proof bundles, browser verifier, C2SP tiles).
struct ServeCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "serve",
        abstract: tr("Serve lot pages, proof bundles, the browser verifier and the ledger as C2SP tiles."),
        discussion: tr("Opens the ledger read-only (safe while `grade` appends) and answers GET and HEAD on: /01/<GTIN>/10/<lot> and /lot/<lot> (lot pages, what labels made with --base-url open), /lot/<lot>/proof (the lot's proof bundle, as `label` writes it; needs --key), /verifier (the stand-alone browser verifier), /checkpoint and /tile/... (c2sp.org/tlog-tiles). --trust FILE lists the keys the browser verifier trusts (lines `log <vkey>`, `witness <vkey>`, `quorum <n>`); without it pages say that nothing can be verified. --key signs each bundle's statement in memory (the ledger is never written); bundles use the latest stored checkpoint, so sign one with `ledger checkpoint` after grading. Pages are in Vietnamese or English, as the visitor's browser asks (Accept-Language) or ?lang=vi|en chooses. Stops cleanly on Ctrl-C or SIGTERM.")
            + "\n\n" + ExitStatus.help(success: tr("stopped after SIGINT or SIGTERM"), readsLedger: true)
            + "\n\n" + tr("Example:") + """

              agritrace serve --ledger coop.db --listen 0.0.0.0:8080 --trust trust.txt --key ~/.config/agritrace/coop.key
            """) }

    @Option(name: .long, help: ArgumentHelp(tr("The ledger database (opened read-only).")))
    var ledger: String

    @Option(name: .long, help: ArgumentHelp(tr("Address and port to listen on (port 0: any free port).")))
    var listen = "127.0.0.1:8080"

    @Option(name: .long, help: ArgumentHelp(tr("The keys the browser verifier trusts: a trust list file.")))
    var trust: String?

    @Option(name: .long, help: ArgumentHelp(tr("The cooperative's signing key, to sign lot bundles' statements (never written to the ledger).")))
    var key: String?

    func validate() throws {
        guard Self.parseListen(listen) != nil else {
            throw ValidationError(tr("--listen {value}: expected ADDRESS:PORT, e.g. 127.0.0.1:8080 or 0.0.0.0:80", ["value": .text(listen)]))
        }
    }

    static func parseListen(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }

    func run() throws {
        let (host, port) = Self.parseListen(listen)!
        let database = try TraceabilitySupport.openLedger(ledger)
        let signer = try key.map { try KeyFiles.signer($0, for: database) }
        var trustList: TrustList?
        if let trust {
            let data = try InputFile.read(trust, tr("trust list", context: "file kind"))
            guard let text = String(data: data, encoding: .utf8) else { throw CommandFailure(.usageError, tr("trust list {file}: not UTF-8 text", ["file": .text(trust)])) }
            do { trustList = try TrustList(parsing: text, file: trust) } catch { throw CommandFailure(.usageError, render(error)) }
        }
        var options = LedgerServer.Options(ledgerPath: ledger, host: host, port: port, trust: trustList, signer: signer)
        options.gradeNames = TraceabilitySupport.gradeNames
        do {
            try LedgerServer.runBlocking(options) { bound in
                let address = "http://\(host.contains(":") ? "[\(host)]" : host):\(bound)/"
                FileHandleOutput.standardOutput.write(tr("agritrace serve: {file} on {url}", ["file": .text(ledger), "url": .text(address)]) + "\n")
            }
        } catch {
            throw CommandFailure(.internalFailure, tr("serve: {reason}", ["reason": .text(render(error))]))
        }
        FileHandleOutput.standardOutput.write(tr("agritrace serve: stopped") + "\n")
    }
}
