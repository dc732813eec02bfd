import Foundation

/// Runs the built `agritrace` binary the way a user would, for end-to-end tests.
public struct CommandResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
    /// True when the run was killed for exceeding its timeout.
    public var timedOut = false
    /// Killed by a signal (a Swift trap is SIGILL or SIGTRAP) or by the timeout.
    public var crashedOrHung: Bool { timedOut || terminationReason == .uncaughtSignal }
    var terminationReason: Process.TerminationReason = .exit
}

public enum AgriTraceBinary {
    /// The `agritrace` executable SwiftPM built next to the test bundle.
    public static let url: URL = {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = testBinary.deletingLastPathComponent()
        // On Linux the test runner is `<build>/AgriTracePackageTests.xctest`; on macOS it sits inside
        // `<build>/AgriTracePackageTests.xctest/Contents/MacOS/`.
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("agritrace")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir.deleteLastPathComponent()
        }
        return testBinary.deletingLastPathComponent().appendingPathComponent("agritrace")
    }()

    /// Runs `agritrace arguments...`, feeding `stdin` if given, and waits for it to exit; with
    /// `timeout` (seconds) it is killed after that long and the result says `timedOut`.
    /// `executable` runs another program the same way (a shell that starts `agritrace` itself).
    @discardableResult
    public static func run(_ arguments: [String], stdin: Data? = nil,
                           currentDirectory: URL? = nil,
                           environment: [String: String]? = nil, timeout: Double? = nil,
                           executable: String? = nil) throws -> CommandResult {
        let process = Process()
        process.executableURL = executable.map { URL(fileURLWithPath: $0) } ?? url
        process.arguments = arguments
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        // The language comes from the test, never from the machine running it: English unless
        // the test sets LANG, LC_ALL or LC_MESSAGES, or passes --lang.
        let inherited = ProcessInfo.processInfo.environment.filter { !["LANG", "LC_ALL", "LC_MESSAGES"].contains($0.key) }
        process.environment = inherited.merging(environment ?? [:]) { $1 }
        let outPipe = Pipe(), errPipe = Pipe(), inPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = inPipe
        try process.run()
        let killed = LockedData()
        if let timeout {
            let pid = process.processIdentifier
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
                if process.isRunning {
                    killed.set(Data([1]))
                    kill(pid, SIGKILL)
                }
            }
        }
        if let stdin { inPipe.fileHandleForWriting.write(stdin) }
        try inPipe.fileHandleForWriting.close()
        // Drain both pipes concurrently so a chatty child never blocks on a full pipe.
        let errData = LockedData()
        let errReader = Thread { errData.set(errPipe.fileHandleForReading.readDataToEndOfFile()) }
        errReader.start()
        let outData = outPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errData.isSet { usleep(1000) }
        return CommandResult(status: process.terminationStatus,
                             stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData.value, as: UTF8.self),
                             timedOut: killed.isSet, terminationReason: process.terminationReason)
    }
}

private final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return data != nil }
    var value: Data { lock.lock(); defer { lock.unlock() }; return data ?? Data() }
}

extension AgriTraceBinary {
    /// Runs `agritrace arguments...` with output discarded and returns its exit status and its peak
    /// resident memory (the kernel's ru_maxrss for that one child, through wait4).
    public static func peakMemory(_ arguments: [String]) throws -> (status: Int32, maxResidentBytes: Int) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor: Int32 in [0, 1, 2] {
            posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        let argv = ([url.path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, url.path, &actions, nil, argv, environ)
        guard spawned == 0 else { throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "posix_spawn: \(spawned)"]) }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) == -1 && errno == EINTR {}
        // Linux reports ru_maxrss in kilobytes. Exit status as the shell shows it (128 + signal when killed).
        let exited = status & 0x7F == 0
        return (exited ? (status >> 8) & 0xFF : 128 + (status & 0x7F), usage.ru_maxrss * 1024)
    }
}
