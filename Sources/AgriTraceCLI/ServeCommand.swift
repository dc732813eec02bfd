import ArgumentParser
import Foundation
import LedgerStore
import PublicServer

/// `agritrace serve --ledger DB [--listen ADDR:PORT] [--trust FILE] [--key KEY] [--base-url URL]`:
/// the public read-only web server (lot pages, proof bundles, browser verifier, C2SP tiles).
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve lot pages, proof bundles, the browser verifier and the ledger as C2SP tiles.",
        discussion: """
            Opens the ledger read-only (safe while `grade` appends) and answers GET and HEAD on:
            /01/<GTIN>/10/<lot> and /lot/<lot> (lot pages, what labels made with --base-url open), \
            /lot/<lot>/proof (the lot's proof bundle, as `label` writes it; needs --key), /verifier \
            (the stand-alone browser verifier), /checkpoint and /tile/... (c2sp.org/tlog-tiles). \
            --trust FILE lists the keys the browser verifier trusts (lines `log <vkey>`, `witness <vkey>`, \
            `quorum <n>`); without it pages say that nothing can be verified. --key signs each bundle's \
            statement in memory (the ledger is never written); bundles use the latest stored checkpoint, \
            so sign one with `ledger checkpoint` after grading. Stops cleanly on Ctrl-C or SIGTERM.

            \(ExitStatus.help(success: "stopped after SIGINT or SIGTERM", readsLedger: true))

            Example:
              agritrace serve --ledger coop.db --listen 0.0.0.0:8080 --trust trust.txt --key ~/.config/agritrace/coop.key
            """)

    @Option(name: .long, help: "The ledger database (opened read-only).")
    var ledger: String

    @Option(name: .long, help: "Address and port to listen on (port 0: any free port).")
    var listen = "127.0.0.1:8080"

    @Option(name: .long, help: "The keys the browser verifier trusts: a trust list file.")
    var trust: String?

    @Option(name: .long, help: "The cooperative's signing key, to sign lot bundles' statements (never written to the ledger).")
    var key: String?

    func validate() throws {
        guard Self.parseListen(listen) != nil else {
            throw ValidationError("--listen \(listen): expected ADDRESS:PORT, e.g. 127.0.0.1:8080 or 0.0.0.0:80")
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
            let data = try InputFile.read(trust, "trust list")
            guard let text = String(data: data, encoding: .utf8) else { throw CommandFailure(.usageError, "trust list \(trust): not UTF-8 text") }
            do { trustList = try TrustList(parsing: text, file: trust) } catch { throw CommandFailure(.usageError, "\(error)") }
        }
        let options = LedgerServer.Options(ledgerPath: ledger, host: host, port: port, trust: trustList, signer: signer)
        do {
            try LedgerServer.runBlocking(options) { bound in
                FileHandleOutput.standardOutput.write("agritrace serve: \(ledger) on http://\(host.contains(":") ? "[\(host)]" : host):\(bound)/\n")
            }
        } catch {
            throw CommandFailure(.internalFailure, "serve: \(error)")
        }
        FileHandleOutput.standardOutput.write("agritrace serve: stopped\n")
    }
}
