import ArgumentParser
import Foundation
import Localization
import MerkleLog
import ServerSupport
import Witnessing

/// `agritrace witness serve`: a C2SP tlog-witness over HTTP for other parties' ledgers.
struct WitnessCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "witness",
        abstract: tr("Run a transparency-log witness (C2SP tlog-witness) that cosigns other ledgers' checkpoints."),
        discussion: tr("Example:") + """

              agritrace witness serve --key w1.key --log coop.vkey --state w1-state --listen 0.0.0.0:8081
            """,
        subcommands: [Serve.self]) }

    struct Serve: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(
            abstract: tr("Answer C2SP tlog-witness add-checkpoint requests over HTTP."),
            discussion: tr("Answers POST <prefix>/add-checkpoint as c2sp.org/tlog-witness says: it checks the checkpoint's signature by a --log key (unknown origin 404, no valid signature 403), that the request's old size is the size it cosigned last for that log (else 409 Conflict with that size, as text/x.tlog.size), and the consistency proof from that size (422 if it does not verify); then it stores the new checkpoint in --state (fsynced before answering) and answers with its cosignature/v1 line. It never cosigns a smaller tree or a second tree of one size. --log takes the log's verifier key file, with ORIGIN= in front when the ledger's origin is not the key's name (repeat for more logs). One witness process per --state directory. Ledgers ask for cosignatures with `ledger checkpoint --witness URL`. Stops cleanly on Ctrl-C or SIGTERM.")
                + "\n\n" + ExitStatus.help(success: tr("stopped after SIGINT or SIGTERM"))
                + "\n\n" + tr("Example:") + """

                  agritrace witness serve --key w1.key --log coop.vkey --state w1-state --listen 0.0.0.0:8081
                """) }

        @Option(help: ArgumentHelp(tr("The witness's private key file (from `keys generate --witness`).")))
        var key: String

        @Option(help: ArgumentHelp(tr("A log to witness: [ORIGIN=]VKEY-FILE (repeatable; the origin defaults to the key's name).")))
        var log: [String] = []

        @Option(help: ArgumentHelp(tr("Directory holding the last checkpoint cosigned per log (created if missing).")))
        var state: String

        @Option(help: ArgumentHelp(tr("Address and port to listen on (port 0: any free port).")))
        var listen = "127.0.0.1:8081"

        @Option(help: ArgumentHelp(tr("Path prefix before /add-checkpoint, e.g. /witness.")))
        var prefix = ""

        func validate() throws {
            if log.isEmpty { throw ValidationError(tr("give at least one log to witness with --log [ORIGIN=]VKEY-FILE")) }
            guard ServeCommand.parseListen(listen) != nil else {
                throw ValidationError(tr("--listen {value}: expected ADDRESS:PORT, e.g. 127.0.0.1:8081", ["value": .text(listen)]))
            }
            guard prefix.isEmpty || (prefix.hasPrefix("/") && !prefix.hasSuffix("/")) else {
                throw ValidationError(tr("--prefix {value}: must start with / and not end with one, e.g. /witness", ["value": .text(prefix)]))
            }
        }

        func run() throws {
            let signer = try KeyFiles.witness(key)
            var logs = [WitnessedLog]()
            for item in log {
                let (origin, file) = Self.split(item)
                let verifier = try KeyFiles.verifier(file, tr("log verifier key", context: "file kind"))
                let name = origin ?? verifier.name
                if let index = logs.firstIndex(where: { $0.origin == name }) {
                    logs[index] = WitnessedLog(origin: name, keys: logs[index].keys + [verifier])
                } else {
                    logs.append(WitnessedLog(origin: name, keys: [verifier]))
                }
            }
            let witness: TlogWitness
            do {
                witness = try TlogWitness(signer: signer, logs: logs, store: try WitnessStateDirectory(path: state))
            } catch let error as WitnessStoreError {
                throw CommandFailure(.usageError, error.description)
            } catch {
                throw CommandFailure(.usageError, "witness: \(render(error))")
            }
            let (host, port) = ServeCommand.parseListen(listen)!
            let origins = logs.map(\.origin).joined(separator: ", ")
            let options = WitnessServer.Options(host: host, port: port, prefix: prefix)
            do {
                try runBlocking {
                    try await WitnessServer.run(witness, options: options) { bound in
                        FileHandleOutput.standardOutput.write(tr("agritrace witness {name}: {logs} on {url}", [
                            "name": .text(signer.name), "logs": .text(origins),
                            "url": .text("http://\(host.contains(":") ? "[\(host)]" : host):\(bound)\(prefix)/add-checkpoint")]) + "\n")
                    }
                }
            } catch {
                if let listenError = ListenError.from(error, host: host, port: port) {
                    throw CommandFailure(.usageError, ServeCommand.cannotListen(listenError, option: "--listen"))
                }
                throw CommandFailure(.internalFailure, "witness serve: \(render(error))")
            }
            FileHandleOutput.standardOutput.write(tr("agritrace witness: stopped") + "\n")
        }

        /// `ORIGIN=FILE` splits at the first `=`; a bare `FILE` has no origin.
        static func split(_ item: String) -> (origin: String?, file: String) {
            guard let equals = item.firstIndex(of: "=") else { return (nil, item) }
            return (String(item[..<equals]), String(item[item.index(after: equals)...]))
        }
    }
}

/// Runs async work from a synchronous command and returns (or rethrows) when it finishes.
func runBlocking<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
    let box = BlockingResult<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        do { box.result = .success(try await work()) } catch { box.result = .failure(error) }
        done.signal()
    }
    done.wait()
    return try box.result!.get()
}

private final class BlockingResult<T>: @unchecked Sendable {
    var result: Result<T, any Error>?   // written by the task before it signals, read after the wait
}
