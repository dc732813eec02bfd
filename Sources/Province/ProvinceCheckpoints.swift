import Foundation
import Localization
import Traceability

/// Where an aggregator keeps a cooperative's signed checkpoints, for `agritrace audit` and
/// `ledger verify` to check a ledger against without copying them by hand: its latest verified
/// checkpoint (`/checkpoint/<name>`) and each halt's evidence (`/audit/<name>/evidence/<n>/earlier`
/// and `/later`), as `ProvinceSite` serves them.
public enum ProvinceCheckpoints {
    /// Most bytes of `/status` read: a province's hundreds of cooperatives, each with its evidence notes.
    public static let maxStatusBytes = 16 << 20

    /// The addresses for `cooperative`, read from the aggregator's `/status` at `base` (fetched).
    public static func addresses(province base: URL, cooperative: String, timeout: Duration) async throws -> [URL] {
        guard ProvinceConfig.Cooperative.isName(cooperative) else {
            throw ProvinceCheckpointsError(ProvinceConfig.Cooperative.notAName(cooperative))
        }
        // As a cooperative's base URL in the configuration: no query, fragment or credentials, which
        // the routes appended here would not survive.
        do { _ = try PublicBaseURL.validated(base.absoluteString) } catch { throw ProvinceCheckpointsError(error.message) }
        let status: [UInt8]
        do {
            status = try await BoundedGet.body(of: route(base, ["status"]), limit: maxStatusBytes, timeout: timeout)
        } catch let error as FetchError {
            // The usual slip: the address of a cooperative's `serve`, or of something else, given for the province's.
            throw ProvinceCheckpointsError(Message("{reason} (is {url} the address of a province's `agritrace province --listen`?)",
                                                   ["reason": .message(error.message), "url": .text(base.absoluteString)]))
        }
        return try addresses(province: base, cooperative: cooperative, status: Data(status))
    }

    /// The addresses for `cooperative` given the `/status` answer (hostile input: the province or
    /// the network may send anything).
    public static func addresses(province base: URL, cooperative: String, status: Data) throws(ProvinceCheckpointsError) -> [URL] {
        // Strict: a field of another shape must not quietly drop a checkpoint from the check.
        let malformed = ProvinceCheckpointsError(Message("{url} did not answer with the province's status (JSON with a list of cooperatives)",
                                                         ["url": .text(route(base, ["status"]).absoluteString)]))
        guard let object = try? JSONSerialization.jsonObject(with: status) as? [String: Any],
              let listed = object["cooperatives"] as? [[String: Any]] else { throw malformed }
        let matching = listed.filter { ($0["name"] as? String).map { Array($0.utf8) == Array(cooperative.utf8) } ?? false }
        guard let entry = matching.first else {
            let names = listed.compactMap { $0["name"] as? String }.filter(ProvinceConfig.Cooperative.isName)
            guard !names.isEmpty else {
                throw ProvinceCheckpointsError(Message("the province at {url} follows no cooperative", ["url": .text(base.absoluteString)]))
            }
            throw ProvinceCheckpointsError(Message("the province at {url} follows no cooperative named {name} (it follows: {names})",
                                                   ["url": .text(base.absoluteString), "name": .text(cooperative),
                                                    "names": .text(names.prefix(20).joined(separator: ", ") + (names.count > 20 ? ", …" : ""))]))
        }
        // The province lists each cooperative once; two entries could not both be the one checked.
        guard matching.count == 1 else { throw malformed }
        var addresses = [URL]()
        switch entry["checkpoint_size"] {
        case nil: break
        case let size as Int where size >= 0: if size > 0 { addresses.append(route(base, ["checkpoint", cooperative])) }
        default: throw malformed
        }
        let evidence: [[String: Any]]
        switch entry["evidence"] {
        case nil: evidence = []
        case let items as [Any]:
            evidence = try items.map { item throws(ProvinceCheckpointsError) in
                guard let object = item as? [String: Any], object["later_checkpoint"] is String,
                      object["earlier_checkpoint"] == nil || object["earlier_checkpoint"] is String else { throw malformed }
                return object
            }
        default: throw malformed
        }
        // A halt always keeps its evidence: a halted cooperative without any says nothing checkable.
        if entry["status"] as? String == "halted", evidence.isEmpty { throw malformed }
        for (index, item) in evidence.enumerated() {
            if item["earlier_checkpoint"] != nil { addresses.append(route(base, ["audit", cooperative, "evidence", String(index + 1), "earlier"])) }
            addresses.append(route(base, ["audit", cooperative, "evidence", String(index + 1), "later"]))
        }
        return addresses
    }

    /// `base` with `segments` appended (each a name checked by `isName`, a number or a route word,
    /// none needing escapes), keeping any path prefix the province is served under.
    static func route(_ base: URL, _ segments: [String]) -> URL {
        var text = base.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        return URL(string: text + "/" + segments.joined(separator: "/"))!
    }
}

public struct ProvinceCheckpointsError: LocalizableError, Equatable {
    public let message: Message
    init(_ message: Message) { self.message = message }
}
