import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `agritrace serve` running as a child process on a free loopback port, stopped with SIGTERM as
/// a service manager would.
public final class ServerProcess {
    public let port: Int
    private let process: Process
    private let output: Pipe
    private let errors: Pipe

    /// Starts `agritrace <command> <arguments> --listen 127.0.0.1:0` and waits for its "on http://…" line.
    public init(_ arguments: [String], command: [String] = ["serve"]) throws {
        process = Process()
        process.executableURL = AgriTraceBinary.url
        process.arguments = command + arguments + ["--listen", "127.0.0.1:0"]
        output = Pipe()
        errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        var line = [UInt8]()
        while !line.contains(0x0a) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty {
                process.waitUntilExit()
                let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                throw HTTPProbe.Failure(description: "serve exited \(process.terminationStatus) before listening: \(message)")
            }
            line += chunk
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: "127.0.0.1:"), let port = Int(text[range.upperBound...].prefix { $0.isNumber }) else {
            process.terminate()
            throw HTTPProbe.Failure(description: "serve printed no port: \(text)")
        }
        self.port = port
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }
    public var pid: Int32 { process.processIdentifier }

    /// Sends SIGTERM and waits (at most 20 s) for the exit; returns the status, the rest of stdout and all of stderr.
    public func stop() -> (status: Int32, output: String, errors: String) {
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit(); return (-1, "hung after SIGTERM", "") }
        let rest = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, rest, errorText)
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}
