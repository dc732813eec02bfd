import Foundation
import Localization
import MerkleLog

/// Private key files (`PRIVATE+KEY+...`, mode 0600) and verifier key files (vkey text).
public enum SigningKeyFile {
    /// Key files are one short line; anything larger is not a key file.
    static let maxBytes = 4096

    /// Writes a new private key file with mode 0600; never overwrites an existing file.
    public static func write(_ signer: NoteSigner, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw KeyFileError(path: path, message: .systemError(errno)) }
        defer { close(fd) }
        let bytes = Array((signer.privateKeyText + "\n").utf8)
        guard bytes.withUnsafeBytes({ Foundation.write(fd, $0.baseAddress, $0.count) }) == bytes.count, fsync(fd) == 0 else {
            throw KeyFileError(path: path, message: .systemError(errno))
        }
    }

    /// Loads a private key, refusing files that group or others can read.
    public static func load(_ path: String) throws -> NoteSigner {
        let info = try status(of: path)
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw KeyFileError(path: path, message: Message("private key file is accessible by group or others (mode {mode}); run chmod 600",
                                                            ["mode": .text(String(mode, radix: 8))]))
        }
        let text = try readSmall(path)
        do { return try NoteSigner(privateKeyText: text) } catch { throw KeyFileError(path: path, message: .describing(error)) }
    }

    /// Loads a verifier key (vkey) file. A private key file is refused with a clear message.
    public static func loadVerifier(_ path: String) throws -> NoteVerifier {
        let text = try readSmall(path)
        if text.hasPrefix(NoteSigner.privatePrefix) {
            throw KeyFileError(path: path, message: Message("this is a PRIVATE key; pass the public vkey file instead"))
        }
        do { return try NoteVerifier(vkey: text) } catch { throw KeyFileError(path: path, message: .describing(error)) }
    }

    public static func writeVerifier(_ verifier: NoteVerifier, to path: String) throws {
        do { try Data((verifier.vkey + "\n").utf8).write(to: URL(fileURLWithPath: path), options: .withoutOverwriting) } catch {
            throw KeyFileError(path: path, message: .fileError(error))
        }
    }

    /// A key file's status; a folder is refused for what it is (not for its mode, nor for what
    /// reading it gives). Pipes stay allowed: `--key <(...)` keeps a key off the disk.
    private static func status(of path: String) throws -> stat {
        var info = stat()
        guard stat(path, &info) == 0 else { throw KeyFileError(path: path, message: .systemError(errno)) }
        guard info.st_mode & S_IFMT != S_IFDIR else { throw KeyFileError(path: path, message: .systemError(EISDIR)) }
        return info
    }

    private static func readSmall(_ path: String) throws -> String {
        let info = try status(of: path)
        // A fifo nobody writes to would block a plain open for ever. Opened without waiting, it
        // reads as empty; a pipe from `<(...)` already has its writer, so it reads as usual.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw KeyFileError(path: path, message: .systemError(errno)) }
        if info.st_mode & S_IFMT == S_IFIFO { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        let data = (try? handle.read(upToCount: maxBytes + 1)) ?? Data()
        guard !data.isEmpty else { throw KeyFileError(path: path, message: Message("the file is empty")) }
        guard data.count <= maxBytes else { throw KeyFileError(path: path, message: Message("larger than {size} bytes; not a key file", ["size": .integer(maxBytes)])) }
        guard let text = String(data: data, encoding: .utf8) else { throw KeyFileError(path: path, message: Message("not UTF-8 text")) }
        return text
    }
}

/// A key file that could not be written, read or parsed. Never contains key material.
public struct KeyFileError: LocalizableError {
    public let path: String
    /// Why, in words; the system's or the key parser's own text is carried verbatim.
    public let reason: Message

    init(path: String, message: Message) {
        self.path = path
        self.reason = message
    }


    public var message: Message { Message("{file}: {reason}", ["file": .text(path), "reason": .message(reason)]) }
}
