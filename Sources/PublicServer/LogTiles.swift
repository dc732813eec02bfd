import LedgerStore
import MerkleLog
import Localization

/// The ledger as C2SP tlog-tiles (https://c2sp.org/tlog-tiles): hash tiles and entry bundles.
enum LogTiles {
    enum Outcome: Equatable {
        /// The resource; `full` when it is a full (256-wide) tile or bundle, which never changes.
        case found([UInt8], full: Bool)
        /// Not (yet) in the log; the reason is sent to the client.
        case absent(Message)
    }

    /// Entry bundles prefix each entry with a big-endian 16-bit length.
    static let maxBundledEntryBytes = 65_535

    /// `size`: the ledger's size in the same snapshot as the reads.
    static func read(_ path: TilePath, from ledger: Ledger, size: Int) throws -> Outcome {
        switch path {
        case let .hashes(level, index, width):
            let treeLevel = 8 * level
            let available = treeLevel < 62 ? size >> treeLevel : 0
            let count = width ?? TilePath.width
            guard index * TilePath.width + count <= available else {
                return .absent(Message("tile {level}/{index} of width {width} is beyond the log ({size} entries)",
                                       ["level": .text("\(level)"), "index": .text("\(index)"), "width": .text("\(count)"), "size": .integer(size)]))
            }
            let hashes = try ledger.storedNodeHashes(level: treeLevel, first: index * TilePath.width, count: count)
            guard hashes.count == count else {
                throw LedgerError.corruptEntry(seq: index * TilePath.width << treeLevel, reason: Message("stored tree hashes are missing at level {tree_level}", ["tree_level": .text("\(treeLevel)")]))
            }
            var bytes = [UInt8]()
            bytes.reserveCapacity(count * TreeHash.byteCount)
            for hash in hashes { hash.withUnsafeBytes { bytes.append(contentsOf: $0) } }
            return .found(bytes, full: width == nil)
        case let .entries(index, width):
            let count = width ?? TilePath.width
            let first = index * TilePath.width
            guard first + count <= size else {
                return .absent(Message("entry bundle {index} of width {width} is beyond the log ({size} entries)",
                                       ["index": .text("\(index)"), "width": .text("\(count)"), "size": .integer(size)]))
            }
            let entries = try ledger.storedEntryBytes(seqs: first..<first + count)
            guard entries.count == count else {
                throw LedgerError.corruptEntry(seq: first + entries.count, reason: Message("missing"))
            }
            var bytes = [UInt8]()
            bytes.reserveCapacity(entries.reduce(0) { $0 + 2 + $1.count })
            for (offset, entry) in entries.enumerated() {
                guard entry.count <= maxBundledEntryBytes else { throw TooLargeForBundle(seq: first + offset, bytes: entry.count) }
                bytes.append(UInt8(entry.count >> 8))
                bytes.append(UInt8(entry.count & 0xff))
                bytes += entry
            }
            return .found(bytes, full: width == nil)
        }
    }

    struct TooLargeForBundle: Error, CustomStringConvertible {
        let seq: Int
        let bytes: Int
        var description: String {
            "entry #\(seq) is \(bytes) bytes; a tlog-tiles entry bundle holds entries of at most \(maxBundledEntryBytes) bytes"
        }
    }
}
