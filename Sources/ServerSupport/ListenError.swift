import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// Why a listener could not start on `host:port`, when it is something the person running it
/// can fix (another program has the port, a port below 1024 without the right, an address this
/// machine does not have); other failures stay as they are.
public struct ListenError: Error, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case addressInUse, permissionDenied, addressNotAvailable
    }

    public let kind: Kind
    public let host: String
    public let port: Int

    /// `host:port` as people write it (IPv6 in brackets).
    public var address: String { (host.contains(":") ? "[\(host)]" : host) + ":\(port)" }

    /// The `ListenError` that `error`, thrown while starting a listener on `host:port`, stands for.
    public static func from(_ error: any Error, host: String, port: Int) -> ListenError? {
        // A name or address that does not resolve (`999.1.1.1`, `no-such-host`) cannot be this
        // machine's either; NIO says so before it ever makes a socket.
        if error is SocketAddressError.UnknownHost { return ListenError(kind: .addressNotAvailable, host: host, port: port) }
        guard let io = error as? IOError else { return nil }
        switch io.errnoCode {
        case EADDRINUSE: return ListenError(kind: .addressInUse, host: host, port: port)
        case EACCES, EPERM: return ListenError(kind: .permissionDenied, host: host, port: port)
        case EADDRNOTAVAIL: return ListenError(kind: .addressNotAvailable, host: host, port: port)
        default: return nil
        }
    }
}
