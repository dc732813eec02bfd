import ArgumentParser
import Console
import Witnessing
import Foundation
import LedgerStore
import Localization
import MerkleLog
import PublicServer
import ServerSupport
import Traceability

/// `agritrace serve --ledger DB [--listen ADDR:PORT] [--trust FILE]`:
/// the public read-only web server (lot pages, proof bundles, browser verifier, C2SP tiles).
struct ServeCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "serve",
        abstract: tr("Serve lot pages, proof bundles, the browser verifier and the ledger as C2SP tiles."),
        discussion: tr("Opens the ledger read-only (safe while `grade` appends) and answers GET and HEAD on: /01/<GTIN>/10/<lot> and /lot/<lot> (lot pages, what labels made with --base-url open), /lot/<lot>/proof (the lot's proof bundle, as `label` writes it), /verifier (the stand-alone browser verifier), /checkpoint and /tile/... (c2sp.org/tlog-tiles). --trust FILE lists the keys the browser verifier trusts (lines `log <vkey>`, `witness <vkey>`, `quorum <n>`); without it pages say that nothing can be verified. The server holds no signing key and never writes the ledger: a lot's bundle is built from the checkpoint and the lot's statement that `ledger checkpoint` signed and stored, so run it (where the key is) after grading; until then a changed lot has no bundle. Pages are in Vietnamese or English, as the visitor's browser asks (Accept-Language) or ?lang=vi|en chooses. Stops cleanly on Ctrl-C or SIGTERM.")
            + "\n\n" + tr("--console also starts the cooperative's private console (upload, grade, review, labels, origins) on its own listener, --console-listen (default 127.0.0.1:8081, this machine only), at /console/. It needs --key and at least one account (`agritrace users add`). Grading jobs started there finish even if the browser is closed; a job cut off by a stop runs again at the next start, and lots it had recorded count as already recorded.")
            + "\n\n" + ExitStatus.help(success: tr("stopped after SIGINT or SIGTERM"), readsLedger: true)
            + "\n\n" + tr("Example:") + """

              agritrace serve --ledger coop.db --listen 0.0.0.0:8080 --trust trust.txt --base-url https://trace.coop.example
              agritrace serve --ledger coop.db --key ~/.config/agritrace/coop.key --console
            """) }

    @Option(name: .long, help: ArgumentHelp(tr("The ledger database (opened read-only).")))
    var ledger: String

    @Option(name: .long, help: ArgumentHelp(tr("Address and port to listen on (port 0: any free port).")))
    var listen = "127.0.0.1:8080"

    @Option(name: .long, help: ArgumentHelp(tr("The keys the browser verifier trusts: a trust list file.")))
    var trust: String?

    @Option(name: .customLong("base-url"), help: ArgumentHelp(tr("The address buyers reach this server at, as labels print it (e.g. https://trace.coop.example, behind an HTTPS proxy): the console's labels open the lot's page there, as `label --base-url` does.")))
    var baseURL: String?

    @Option(name: .long, help: ArgumentHelp(tr("Memory for full tiles kept for tile clients, in MiB (a million-entry ledger's tiles take about 800 MiB).")))
    var tileCacheMib = 256

    @Option(name: .long, help: ArgumentHelp(tr("The cooperative's signing key, for the private console only (--console): the public pages never use it.")))
    var key: String?

    @Flag(name: .long, help: ArgumentHelp(tr("Also serve the cooperative's private console (needs --key and an account: `agritrace users add`).")))
    var console = false

    @Option(name: .long, help: ArgumentHelp(tr("Address and port of the console (port 0: any free port).")))
    var consoleListen = "127.0.0.1:8081"

    @Option(name: .long, help: ArgumentHelp(tr("Largest upload the console accepts, in MiB (stated on its upload form).")))
    var consoleUploadLimit = ConsoleServer.Options.defaultMaxUploadBytes >> 20

    @Option(name: .long, help: ArgumentHelp(tr("Uploads the console keeps waiting or being graded at most; more are refused until one has finished.")))
    var consoleQueueLimit = ConsoleServer.Options.defaultMaxQueuedJobs

    @Option(name: .long, help: ArgumentHelp(tr("URL of a witness the console asks to cosign each checkpoint it signs (repeatable, each with a --witness-vkey).")))
    var witness: [String] = []

    @Option(name: .customLong("witness-vkey"), help: ArgumentHelp(tr("Verifier key file of the --witness at the same position.")))
    var witnessVkey: [String] = []

    func validate() throws {
        if let baseURL {
            do { _ = try PublicBaseURL.validated(baseURL) } catch { throw ValidationError("--base-url: " + Localizer.current.render(error.message)) }
        }
        guard (0...65536).contains(tileCacheMib) else { throw ValidationError(tr("--tile-cache-mib must be 0...65536 (MiB)")) }
        guard (1...4096).contains(consoleUploadLimit) else { throw ValidationError(tr("--console-upload-limit must be 1...4096 (MiB)")) }
        guard (1...1000).contains(consoleQueueLimit) else { throw ValidationError(tr("--console-queue-limit must be 1...1000")) }
        guard Self.parseListen(listen) != nil else {
            throw ValidationError(tr("--listen {value}: expected ADDRESS:PORT, e.g. 127.0.0.1:8080 or 0.0.0.0:80", ["value": .text(listen)]))
        }
        guard Self.parseListen(consoleListen) != nil else {
            throw ValidationError(tr("--console-listen {value}: expected ADDRESS:PORT, e.g. 127.0.0.1:8081", ["value": .text(consoleListen)]))
        }
        if key != nil && !console {
            throw ValidationError(tr("--key is for --console only: the public server holds no signing key (its bundles use the statements `ledger checkpoint` stored)"))
        }
        if console && key == nil { throw ValidationError(tr("--console needs --key: the console signs what it records")) }
        if !witness.isEmpty && !console { throw ValidationError(tr("--witness is for checkpoints signed from the console: add --console")) }
        guard witness.count == witnessVkey.count else {
            throw ValidationError(tr("give one --witness-vkey per --witness ({urls} URLs, {keys} keys)",
                                     ["urls": .integer(witness.count), "keys": .integer(witnessVkey.count)]))
        }
        for url in witness {
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                throw ValidationError(tr("--witness {value}: expected an http:// or https:// URL", ["value": .text(url)]))
            }
        }
    }

    private func consoleSettings(signer: NoteSigner) throws -> ConsoleServer.Options {
        let (host, port) = Self.parseListen(consoleListen)!
        let accounts = Accounts.defaultPath(forLedger: ledger)
        guard FileManager.default.fileExists(atPath: accounts) else {
            throw CommandFailure(.usageError, tr("--console: no accounts yet ({file}); add the first with: agritrace users add NAME --role admin --ledger {ledger}",
                                                 ["file": .text(accounts), "ledger": .text(ledger)]))
        }
        let witnesses = try zip(witness, witnessVkey).map { url, file in
            let key = try KeyFiles.verifier(file, tr("witness verifier key", context: "file kind"))
            guard key.type == .cosignatureV1 else {
                throw CommandFailure(.usageError, tr("--witness-vkey {file}: not a witness (cosignature/v1) key", ["file": .text(file)]))
            }
            return WitnessEndpoint(url: URL(string: url)!, key: key)
        }
        var options = ConsoleServer.Options(ledgerPath: ledger, accountsPath: accounts, workDirectory: ConsoleServer.defaultWorkDirectory(forLedger: ledger),
                                            host: host, port: port, signer: signer, maxUploadBytes: consoleUploadLimit << 20, witnesses: witnesses)
        options.labelBaseURL = try baseURL.map { try PublicBaseURL.validated($0) }
        options.maxQueuedJobs = consoleQueueLimit
        return options
    }

    /// Runs the console beside the public server; if it cannot start, the whole server stops
    /// and `consoleFailure` says why.
    private static func startConsole(_ options: ConsoleServer.Options) {
        Task {
            do {
                try await ConsoleServer.run(options) { bound in
                    let host = options.host.contains(":") ? "[\(options.host)]" : options.host
                    FileHandleOutput.standardOutput.write(tr("agritrace serve: console on {url}", ["url": .text("http://\(host):\(bound)/console/")]) + "\n")
                }
            } catch {
                consoleFailure.set(ListenError.from(error, host: options.host, port: options.port)
                    .map { CommandFailure(.usageError, cannotListen($0, option: "--console-listen")) }
                    ?? CommandFailure(.internalFailure, tr("agritrace serve: console: {reason}", ["reason": .text(render(error))])))
                kill(getpid(), SIGTERM)
            }
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
        let database = try TraceabilitySupport.openLedger(ledger, readOnly: true)   // a missing or foreign file is a usage error
        let signer = try key.map { try KeyFiles.signer($0, for: database) }   // the console's only
        var trustList: TrustList?
        if let trust {
            let data = try InputFile.read(trust, tr("trust list", context: "file kind"))
            guard let text = String(data: data, encoding: .utf8) else { throw CommandFailure(.usageError, tr("trust list {file}: not UTF-8 text", ["file": .text(trust)])) }
            do { trustList = try TrustList(parsing: text, file: trust) } catch { throw CommandFailure(.usageError, render(error)) }
        }
        if let trustList, let trust, try !trustList.logKeys.contains(where: { try database.isActiveSigner($0) }) {
            FileHandleOutput.standardError.write(tr("agritrace serve: warning: no log key in {file} signs the ledger {ledger}, so every lot page will say NOT VERIFIED; list the cooperative's vkey there (`log <vkey>`)",
                                                    ["file": .text(trust), "ledger": .text(ledger)]) + "\n")
        }
        if trustList == nil {
            // Not an error (tiles and bundles still serve mirrors and other verifiers), but every lot page will say NOT VERIFIED.
            FileHandleOutput.standardError.write(tr("agritrace serve: warning: no --trust list, so lot pages cannot verify anything and tell buyers so; give --trust FILE with the line `log <the cooperative's vkey>`") + "\n")
        }
        if let alteration = try StartupCheck.alteration(ledgerAt: ledger) {
            FileHandleOutput.standardError.write(tr("agritrace serve: warning: the ledger {ledger} was altered: {reason}. Buyers' browsers will say NOT VERIFIED for what was changed; `agritrace ledger verify --ledger {ledger}` checks every entry",
                                                    ["ledger": .text(ledger), "reason": .message(alteration)]) + "\n")
        }
        var options = LedgerServer.Options(ledgerPath: ledger, host: host, port: port, trust: trustList)
        options.gradeNames = TraceabilitySupport.gradeNames
        options.tileCacheBytes = tileCacheMib << 20
        let consoleOptions = try console ? consoleSettings(signer: signer!) : nil
        do {
            try LedgerServer.runBlocking(options) { bound in
                let address = "http://\(host.contains(":") ? "[\(host)]" : host):\(bound)/"
                FileHandleOutput.standardOutput.write(tr("agritrace serve: {file} on {url}", ["file": .text(ledger), "url": .text(address)]) + "\n")
                if let baseURL {
                    FileHandleOutput.standardOutput.write(tr("agritrace serve: labels point buyers to {url}", ["url": .text(baseURL)]) + "\n")
                }
                // Started once the public pages listen, so their line comes first.
                if let consoleOptions { Self.startConsole(consoleOptions) }
            }
        } catch {
            if let listenError = ListenError.from(error, host: host, port: port) { throw CommandFailure(.usageError, Self.cannotListen(listenError, option: "--listen")) }
            throw CommandFailure(.internalFailure, tr("serve: {reason}", ["reason": .text(render(error))]))
        }
        if let failure = Self.consoleFailure.value { throw failure }
        FileHandleOutput.standardOutput.write(tr("agritrace serve: stopped") + "\n")
    }

    /// Why the console stopped the server, if it did.
    private static let consoleFailure = FailureBox()

    final class FailureBox: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: CommandFailure?
        func set(_ failure: CommandFailure) { lock.lock(); stored = failure; lock.unlock() }
        var value: CommandFailure? { lock.lock(); defer { lock.unlock() }; return stored }
    }

    /// A listener that could not start, in words the person running it can act on.
    static func cannotListen(_ error: ListenError, option: String) -> String {
        let arguments: [String: MessageArgument] = ["address": .text(error.address), "option": .text(option)]
        switch error.kind {
        case .addressInUse:
            return tr("cannot listen on {address}: another program already uses that port (is a server already running?); stop it or choose another port with {option}", arguments)
        case .permissionDenied:
            return tr("cannot listen on {address}: not permitted (ports below 1024 need administrator rights); choose a port from 1024 up with {option}", arguments)
        case .addressNotAvailable:
            return tr("cannot listen on {address}: this machine has no such address; use 127.0.0.1 (this machine only) or 0.0.0.0 (all networks) with {option}", arguments)
        }
    }
}
