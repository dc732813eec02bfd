import ArgumentParser
import Foundation
import Localization
import Logging
import Province
import ServerSupport

/// `agritrace province --config FILE --database URL [--listen ADDR:PORT] [--once]`: the province
/// aggregator. Follows every configured cooperative's log, verifies it, stores it in PostgreSQL
/// and answers province-wide queries.
struct ProvinceCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "province",
        abstract: tr("Follow cooperatives' ledgers, verify them, store them in PostgreSQL and answer province-wide queries."),
        discussion: tr("Reads each cooperative's log from its `agritrace serve` (c2sp.org/tlog-tiles: /checkpoint and /tile/entries/...), checks the checkpoint's signature with the cooperative's key, every entry's signature, chain and ledger rules, and that the entries give the signed root; then stores entries, lots, origins and gradings in PostgreSQL (--database postgres://USER@HOST:PORT/DB; the schema is created and migrated on start). Each entry is stored exactly once, and a restarted aggregator resumes where it stopped. A cooperative that rolls back, signs two checkpoints of one size with different roots, forks, or signs an entry that breaks the rules is halted: no more entries are taken from it, and both signed checkpoints are kept as evidence (GET /status). A cooperative that is down or serves broken tiles is retried every round, and /status shows the last error.")
            + "\n\n" + tr("The config file lists one cooperative per line: `cooperative NAME BASE-URL VKEY` (`#` starts a comment).")
            + "\n\n" + tr("--listen serves the queries (JSON): /status, /lot/<lot>, /01/<GTIN>/10/<lot>, /origin/<code>, and the EPCIS 2.0 /events?GE_eventTime=...&LT_eventTime=...&EQ_bizStep=...&MATCH_epcClass=...&EQ_bizLocation=... A browser asking for a lot gets the buyer's lot page, checked in the browser with the proof from the cooperative's own server. --once runs one round over every cooperative, prints each one's outcome and exits.")
            + "\n\n" + ExitStatus.help(success: tr("stopped after SIGINT or SIGTERM; with --once, every cooperative is followed and up to date"),
                                       needsAttention: tr("with --once: some cooperative is halted or could not be read this round"))
            + "\n\n" + tr("Example:") + """

              agritrace province --config province.conf --database postgres://agritrace@127.0.0.1:5432/province --listen 0.0.0.0:8090
            """) }

    @Option(name: .long, help: ArgumentHelp(tr("The cooperatives to follow: lines `cooperative NAME BASE-URL VKEY`.")))
    var config: String

    @Option(name: .long, help: ArgumentHelp(tr("PostgreSQL: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE.")))
    var database: String

    @Option(name: .long, help: ArgumentHelp(tr("A witness key (from `keys generate --witness`): cosign every checkpoint verified (C2SP tlog-witness), served at /checkpoint/<cooperative>; with --listen, cooperatives can also ask for its cosignature at POST /add-checkpoint (`ledger checkpoint --witness URL`).")))
    var witnessKey: String?

    @Option(name: .long, help: ArgumentHelp(tr("Address and port to serve the queries on (port 0: any free port).")))
    var listen: String?

    @Flag(name: .long, help: ArgumentHelp(tr("Run one round over every cooperative and exit.")))
    var once = false

    @Option(name: .long, help: ArgumentHelp(tr("Seconds between rounds.")))
    var interval: Int = 10

    @Option(name: .long, help: ArgumentHelp(tr("Seconds to wait for each answer of a cooperative's server before this round gives up on it.")))
    var timeout: Int = 10

    func validate() throws {
        if let listen, ServeCommand.parseListen(listen) == nil {
            throw ValidationError(tr("--listen {value}: expected ADDRESS:PORT, e.g. 127.0.0.1:8090", ["value": .text(listen)]))
        }
        guard (1...86_400).contains(interval) else { throw ValidationError(tr("--interval must be 1–86400 seconds")) }
        guard (1...3_600).contains(timeout) else { throw ValidationError(tr("--timeout must be 1–3600 seconds")) }
        if once, listen != nil { throw ValidationError(tr("--once and --listen do not go together")) }
    }

    func run() throws {
        let settings: ProvinceConfig
        do { settings = try ProvinceConfig(contentsOf: config) } catch { throw CommandFailure(.usageError, render(error)) }
        let witnessSigner = try witnessKey.map { try KeyFiles.witness($0) }
        let listenAddress = listen.flatMap(ServeCommand.parseListen)
        let once = self.once, database = self.database, interval = self.interval, timeout = Double(self.timeout)
        var logger = Logger(label: "agritrace.province")
        logger.logLevel = .info
        let log = logger
        let status: Int32
        do {
            status = try runBlocking {
                try await ProvinceStore.open(url: database, logger: log) { store -> Int32 in
                    let aggregator = try await Aggregator(config: settings, store: store, logger: log, witnessKey: witnessSigner) {
                        HTTPTileSource(baseURL: $0.baseURL, timeoutSeconds: timeout)
                    }
                    if once {
                        let outcomes = await aggregator.runOnce()
                        for name in outcomes.keys.sorted() {
                            FileHandleOutput.standardOutput.write(Self.describe(outcomes[name]!, of: name) + "\n")
                        }
                        return outcomes.values.contains(where: \.needsAttention) ? ExitStatus.needsAttention.rawValue : 0
                    }
                    guard let (host, port) = listenAddress else {
                        try await aggregator.run(interval: .seconds(interval))
                        return 0
                    }
                    let (listening, announce) = AsyncStream.makeStream(of: Int.self)
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            defer { announce.finish() }
                            try await ProvinceServer.run(site: ProvinceSite(store: store, cooperatives: settings.cooperatives, gradeNames: TraceabilitySupport.gradeNames),
                                                         witness: aggregator.witness?.witness, host: host, port: port, logger: log) { bound in
                                let url = "http://\(host.contains(":") ? "[\(host)]" : host):\(bound)/"
                                FileHandleOutput.standardOutput.write(tr("agritrace province: on {url}", ["url": .text(url)]) + "\n")
                                announce.yield(bound)
                            }
                        }
                        // Rounds start once the listener is up: an address that cannot be used ends the
                        // command before any round is under way (and cancelled).
                        var isListening = false
                        for await _ in listening { isListening = true; break }
                        if isListening { group.addTask { try await aggregator.run(interval: .seconds(interval)) } }
                        try await group.next()
                        group.cancelAll()
                    }
                    return 0
                }
            }
        } catch let error where listenAddress.flatMap({ ListenError.from(error, host: $0.host, port: $0.port) }) != nil {
            let (host, port) = listenAddress!
            throw CommandFailure(.usageError, ServeCommand.cannotListen(ListenError.from(error, host: host, port: port)!, option: "--listen"))
        } catch let error as KeyChangeRefused {
            throw CommandFailure(.usageError, "province: " + render(error))
        } catch let error as ProvinceError {
            if case .unavailable(let reason) = error {
                throw CommandFailure(.internalFailure, tr("province: the database cannot be used: {reason}", ["reason": .message(reason)]))
            }
            throw CommandFailure(.usageError, "province: " + render(error))
        } catch {
            throw CommandFailure(.internalFailure, "province: \(render(error))")
        }
        if status != 0 { throw ExitStatus(rawValue: status)! }
    }

    /// One cooperative's round for the person running `--once`, its reason in their language.
    static func describe(_ outcome: RoundOutcome, of name: String) -> String {
        switch outcome {
        case .upToDate(let size):
            return tr("{name}: up to date ({count} entries)", ["name": .text(name), "count": .integer(size)])
        case let .ingested(from, to):
            return tr("{name}: entries {from}..<{to} verified and stored", ["name": .text(name), "from": .text(String(from)), "to": .text(String(to))])
        case .halted(let reason):
            return tr("{name}: HALTED: {reason}", ["name": .text(name), "reason": .message(reason)])
        case .failed(let message):
            return tr("{name}: failed this round: {reason}", ["name": .text(name), "reason": .message(message)])
        }
    }
}
