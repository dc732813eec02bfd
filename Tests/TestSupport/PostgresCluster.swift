import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A throw-away PostgreSQL cluster: `initdb` in a temporary folder, a server on a free loopback
/// port, removed by `remove()`; tests share one and each takes a database of its own
/// (`createDatabase`), which is much cheaper than a cluster. Real PostgreSQL, no mock: Debian's
/// `postgresql` package (scripts/install-deps.sh) must be installed, else the test fails saying so.
///
/// PostgreSQL refuses to run as root, so under root (CI) the cluster belongs to `nobody` and the
/// server commands run through `runuser`.
public final class PostgresCluster: @unchecked Sendable {
    public let directory: URL
    public let port: Int
    public static let user = "agritrace"
    private let binDirectory: String

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// A new cluster with an empty database `province`, its server started and accepting
    /// `maxConnections` clients.
    public static func create(maxConnections: Int = 60) async throws -> PostgresCluster {
        let cluster = try PostgresCluster(maxConnections: maxConnections)
        do {
            try await cluster.command("initdb", ["-D", cluster.dataPath, "-A", "trust", "-U", user, "--no-sync", "-E", "UTF8", "--locale=C"])
            try await cluster.start()
            try await cluster.createDatabase("province")
        } catch {
            await cluster.remove()
            throw error
        }
        return cluster
    }

    private let maxConnections: Int

    private init(maxConnections: Int) throws {
        self.maxConnections = maxConnections
        binDirectory = try Self.findBinDirectory()
        port = try Self.freePort()
        let base = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("agritrace-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        directory = base
        if geteuid() == 0 {
            guard chown(base.path, Self.nobody.uid, Self.nobody.gid) == 0 else {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: base)
                throw Failure(description: "chown nobody \(base.path): \(reason)")
            }
        }
    }

    private var dataPath: String { directory.appendingPathComponent("data").path }

    /// The URL `agritrace province --database` takes.
    public var url: String { url(database: "province") }

    public func url(database: String) -> String { "postgres://\(Self.user)@127.0.0.1:\(port)/\(database)" }

    /// A new empty database (`name`: lower-case letters, digits and `_`).
    public func createDatabase(_ name: String) async throws {
        try await command("createdb", ["-h", "127.0.0.1", "-p", String(port), "-U", Self.user, name])
    }

    /// Drops a database, ending any session still connected to it.
    public func dropDatabase(_ name: String) async throws {
        try await command("dropdb", ["-h", "127.0.0.1", "-p", String(port), "-U", Self.user, "--force", name])
    }

    /// Starts (or restarts) the server; returns once it accepts connections.
    public func start() async throws {
        try await command("pg_ctl", ["-D", dataPath, "-l", directory.appendingPathComponent("server.log").path, "-w", "-t", "120",
                                     "-o", "-p \(port) -k \(directory.path) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=\(maxConnections)",
                                     "start"])
    }

    /// Stops the server, `immediate` as a crash would (no checkpoint; recovery on the next start).
    public func stop(immediate: Bool = false) async throws {
        try await command("pg_ctl", ["-D", dataPath, "-m", immediate ? "immediate" : "fast", "-w", "-t", "120", "stop"])
    }

    /// Stops the server if running and deletes the cluster.
    public func remove() async {
        // Not only after a `start` that succeeded: one that timed out may have started the server
        // all the same, which would outlive its folder (pg_ctl answers at once when none runs).
        try? await stop(immediate: true)
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs SQL through `psql` in database `database` (for tests that look at the database from
    /// outside the code under test) and returns its unaligned output. Blocks the calling thread
    /// for the query's duration.
    public func psql(_ sql: String, database: String = "province") throws -> String {
        let output = directory.appendingPathComponent("psql-\(UUID().uuidString).out").path
        defer { unlink(output) }
        let arguments = ["-h", "127.0.0.1", "-p", String(port), "-U", Self.user, "-d", database,
                         "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql]
        let status = try Self.spawnAndWait(binDirectory + "/psql", arguments, output: output)
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        guard status == 0 else { throw Failure(description: "psql -c \"\(sql)\" exited \(status): \(text)") }
        return text
    }

    /// Runs one of the server programs as the cluster's owner and waits for it off the calling
    /// thread (a test's cooperative thread must not block for seconds).
    private func command(_ name: String, _ arguments: [String]) async throws {
        let tool = binDirectory + "/" + name
        // One file per run: tests sharing the cluster run createdb and dropdb at once.
        let output = directory.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8)).out").path
        defer { unlink(output) }
        // From / (the test's folder may not be readable to nobody).
        let inRoot = ["/usr/bin/env", "-C", "/", tool] + arguments
        let (executable, all) = geteuid() == 0 ? ("/sbin/runuser", ["-u", "nobody", "--"] + inRoot) : (inRoot[0], Array(inRoot.dropFirst()))
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try Self.spawnAndWait(executable, all, output: output) })
            }
        }
        guard status == 0 else {
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            throw Failure(description: "\(name) \(arguments.joined(separator: " ")) exited \(status): \(text)")
        }
    }

    /// posix_spawn with stdin from /dev/null, stdout and stderr to `output`, and every other
    /// descriptor closed in the child; then waitpid. Not Foundation's Process: it learns that a
    /// child ended when a socket the child inherits is closed, and the server `pg_ctl start`
    /// leaves running inherits it too, so its wait never returned (the test hung, the exited
    /// pg_ctl a zombie). Closing the descriptors also keeps the server off the test's pipes.
    static func spawnAndWait(_ executable: String, _ arguments: [String], output: String) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        guard let addCloseFrom = Self.addCloseFrom, addCloseFrom(&actions, 3) == 0 else {
            throw Failure(description: "posix_spawn_file_actions_addclosefrom_np is missing or failed (glibc 2.34 or later needed)")
        }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw Failure(description: "cannot start \(executable): \(String(cString: strerror(spawned))); install Debian's postgresql (scripts/install-deps.sh)")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { throw Failure(description: "waitpid \(executable): \(String(cString: strerror(errno)))") }
        }
        // As the shell shows it: the exit code, or 128 + the signal.
        return status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }

    /// glibc's posix_spawn_file_actions_addclosefrom_np (2.34+), which the Glibc module does not
    /// export to Swift, looked up by name.
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: AddCloseFrom.self) }

    private static var nobody: (uid: uid_t, gid: gid_t) {
        guard let entry = getpwnam("nobody") else { return (65534, 65534) }
        return (entry.pointee.pw_uid, entry.pointee.pw_gid)
    }

    /// Debian keeps the server programs in /usr/lib/postgresql/<version>/bin (not on PATH).
    private static func findBinDirectory() throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        for version in versions.reversed() {
            let bin = "\(root)/\(version)/bin"
            if FileManager.default.isExecutableFile(atPath: bin + "/initdb") { return bin }
        }
        throw Failure(description: "PostgreSQL server programs not found under \(root): install Debian's postgresql (scripts/install-deps.sh)")
    }

    /// A port the kernel hands out for an ephemeral bind, released at once for the server to take.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw Failure(description: "bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
