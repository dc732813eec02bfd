import Crypto
import Foundation
import MerkleLog

/// A witness's state as files in one directory: per log origin, `<sha256(origin) hex>.checkpoint`
/// holding the cosigned note. Each write goes to a temporary file that is fsynced, renamed over the
/// old one and the directory fsynced, so a crash or power cut leaves the old or the new state,
/// never half of one and never a cosignature sent for a state that was not on disk. The
/// directory's `lock` file is held (flock) for the life of the store: a second witness process on
/// the same directory is refused, since the in-process lock cannot order its writes.
public final class WitnessStateDirectory: WitnessStateStore, @unchecked Sendable {
    public let path: String
    private let lockFD: Int32
    private let lock = NSLock()

    /// Creates the directory (mode 0700) when it does not exist.
    public init(path: String) throws {
        var info = stat()
        if stat(path, &info) != 0 {
            guard errno == ENOENT, mkdir(path, 0o700) == 0 else { throw WitnessStoreError(path: path, reason: Self.errnoText()) }
        } else if info.st_mode & S_IFMT != S_IFDIR {
            throw WitnessStoreError(path: path, reason: "is not a directory")
        }
        let lockPath = path + "/lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw WitnessStoreError(path: lockPath, reason: Self.errnoText()) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw WitnessStoreError(path: path, reason: "is in use by another witness (\(lockPath) is locked)")
        }
        self.path = path
        self.lockFD = fd
    }

    deinit { close(lockFD) }

    public func update(origin: String, _ decide: @Sendable (String?) throws -> (newState: String?, reply: WitnessReply)) async throws -> WitnessReply {
        try updateNow(origin: origin, decide)
    }

    /// Short file work under the lock; no suspension point inside it.
    private func updateNow(origin: String, _ decide: (String?) throws -> (newState: String?, reply: WitnessReply)) throws -> WitnessReply {
        try lock.withLock {
            let file = fileName(origin)
            let (newState, reply) = try decide(try read(file))
            if let newState { try write(newState, to: file) }
            return reply
        }
    }

    /// The stored note of `origin`, nil when this witness never cosigned it.
    public func state(origin: String) throws -> String? {
        try lock.withLock { try read(fileName(origin)) }
    }

    func fileName(_ origin: String) -> String {
        path + "/" + HexEncoding.encode(SHA256.hash(data: Array(origin.utf8))) + ".checkpoint"
    }

    private func read(_ file: String) throws -> String? {
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw WitnessStoreError(path: file, reason: Self.errnoText())
        }
        defer { close(fd) }
        var bytes = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let n = Foundation.read(fd, &buffer, buffer.count)
            if n < 0 { throw WitnessStoreError(path: file, reason: Self.errnoText()) }
            if n == 0 { break }
            bytes += buffer[0..<n]
            guard bytes.count <= SignedNote.maxBytes else { throw WitnessStoreError(path: file, reason: "is larger than a signed note may be") }
        }
        guard let text = String(validating: bytes, as: UTF8.self), !text.isEmpty else {
            throw WitnessStoreError(path: file, reason: "is empty or not UTF-8")
        }
        return text
    }

    private func write(_ text: String, to file: String) throws {
        let temporary = file + ".new"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw WitnessStoreError(path: temporary, reason: Self.errnoText()) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else {
                let reason = Self.errnoText()
                close(fd)
                throw WitnessStoreError(path: temporary, reason: reason)
            }
            written += n
        }
        guard fsync(fd) == 0 else {
            let reason = Self.errnoText()
            close(fd)
            throw WitnessStoreError(path: temporary, reason: "fsync: \(reason)")
        }
        close(fd)
        guard rename(temporary, file) == 0 else { throw WitnessStoreError(path: file, reason: "rename: \(Self.errnoText())") }
        let directory = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directory >= 0 else { throw WitnessStoreError(path: path, reason: Self.errnoText()) }
        defer { close(directory) }
        guard fsync(directory) == 0 else { throw WitnessStoreError(path: path, reason: "fsync: \(Self.errnoText())") }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// A witness state directory or file that cannot be used.
public struct WitnessStoreError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "witness state \(path) \(reason)" }
}
