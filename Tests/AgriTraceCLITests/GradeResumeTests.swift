import Foundation
import LedgerStore
import Provenance
import Testing
import TestSupport

/// Real `agritrace grade` processes killed with SIGKILL at random points, then re-run: the ledger
/// must end with every lot exactly once and verify intact. Also two processes grading the same
/// upload at the same time.
@Suite struct GradeResumeTests {
    static let lotCount = 32
    static let photosPerLot = 8

    /// An upload of `lotCount` lots made from the sample photos (reused under new names).
    static func makeUpload(in workspace: GradeWorkspace) throws -> URL {
        let upload = workspace.directory.url.appendingPathComponent("big-upload")
        let sample = FixtureFiles.url("uploads/sample")
        let photos = try FileManager.default.subpathsOfDirectory(atPath: sample.path).filter { $0.hasSuffix(".jpg") }.sorted()
        try FileManager.default.createDirectory(at: upload, withIntermediateDirectories: true)
        var manifest = "file,lot_code,origin_code,farm_id,crop,harvest_date\r\n"
        for lot in 0..<lotCount {
            for photo in 0..<photosPerLot {
                let name = String(format: "lot%02d/IMG_%04d.jpg", lot, lot * photosPerLot + photo)
                let source = photos[(lot * photosPerLot + photo) % photos.count]
                try FileManager.default.createDirectory(at: upload.appendingPathComponent(name).deletingLastPathComponent(),
                                                        withIntermediateDirectories: true)
                try FileManager.default.copyItem(at: sample.appendingPathComponent(source), to: upload.appendingPathComponent(name))
                manifest += String(format: "%@,KILL-%02d,VN-DTOR-%04d,F-%02d,cà chua,2026-11-0%d\r\n",
                                   name, lot, lot % 3, lot % 3, 1 + lot % 9)
            }
        }
        try Data(manifest.utf8).write(to: upload.appendingPathComponent("manifest.csv"))
        return upload
    }

    static func launchGrade(_ workspace: GradeWorkspace, _ upload: URL, jobs: Int, stderr: URL? = nil,
                            jsonSummary: URL? = nil) throws -> Process {
        let process = Process()
        process.executableURL = AgriTraceBinary.url
        process.arguments = ["grade", upload.path, "--ledger", workspace.ledger, "--key", workspace.key,
                             "--model", workspace.model, "--register-origins", "--jobs", String(jobs),
                             jsonSummary == nil ? "--quiet" : "--json"]
        if let jsonSummary {
            try Data().write(to: jsonSummary)
            process.standardOutput = try FileHandle(forWritingTo: jsonSummary)
        } else {
            process.standardOutput = FileHandle.nullDevice
        }
        if let stderr {
            try Data().write(to: stderr)
            process.standardError = try FileHandle(forWritingTo: stderr)
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        return process
    }

    /// Lots in the ledger, read while graders may be appending, stopped mid-transaction or killed.
    /// A read can fail for a moment then (SQLite busy, WAL recovery after a kill); it is retried, and
    /// a read that keeps failing is an error rather than "no lots", which would fake a result.
    static func lotsRecorded(_ workspace: GradeWorkspace) throws -> Int {
        var lastError: (any Error)?
        for _ in 0..<500 {
            do {
                return try Ledger(provenanceAt: workspace.ledger, readOnly: true).entries(type: .lot).count
            } catch {
                lastError = error
                usleep(10_000)
            }
        }
        throw lastError ?? CocoaError(.fileReadUnknown)
    }

    /// Size and modification time of the ledger's write-ahead log: changes with every commit, and
    /// costs one stat, so a turn can stop a fast grader right after its first append.
    static func ledgerStamp(_ workspace: GradeWorkspace) -> [Int] {
        var info = stat()
        guard stat(workspace.ledger + "-wal", &info) == 0 else { return [] }
        return [Int(info.st_size), info.st_mtim.tv_sec, info.st_mtim.tv_nsec]
    }

    /// Every lot exactly once, each with exactly one grading carrying the same upload digest.
    static func expectEveryLotExactlyOnce(_ workspace: GradeWorkspace) throws {
        let ledger = try workspace.openLedger()
        let lots = try ledger.entries(type: .lot).compactMap { entry -> LotRecord? in
            if case .lot(let lot) = try entry.record() { return lot } else { return nil }
        }
        let gradings = try ledger.entries(type: .grading).compactMap { entry -> GradingRecord? in
            if case .grading(let grading) = try entry.record() { return grading } else { return nil }
        }
        #expect(lots.count == lotCount)
        #expect(Set(lots.map(\.lotCode)) == Set((0..<lotCount).map { String(format: "KILL-%02d", $0) }))
        #expect(gradings.count == lotCount)
        for lot in lots {
            let matching = gradings.filter { $0.lotCode == lot.lotCode }
            #expect(matching.count == 1, "\(lot.lotCode)")
            #expect(matching.first?.uploadDigest == lot.uploadDigest, "\(lot.lotCode)")
            #expect(matching.first?.images.count == photosPerLot, "\(lot.lotCode)")
        }
        #expect(try ledger.entries(type: .origin).count == 3)
        let report = try ledger.verify()
        #expect(report.isIntact, "\(report.failures)")
    }

    @Test func killedAtRandomPointsThenReRunRecordsEveryLotExactlyOnce() throws {
        let workspace = try GradeWorkspace()
        defer { workspace.remove() }
        let upload = try Self.makeUpload(in: workspace)
        var generator = SeededGenerator(seed: 20261127)
        var observed: [Int] = []
        var diagnostics: [String] = []
        for round in 0..<8 {
            let log = workspace.directory.url.appendingPathComponent("round\(round).stderr")
            let process = try Self.launchGrade(workspace, upload, jobs: 1 + round % 2, stderr: log)
            if round % 2 == 0 {
                // At a random moment early in the run (start-up, validation, hashing, the first
                // photos): short, because with the small test model a whole run can take well
                // under a second on an idle machine.
                usleep(UInt32.random(in: 1_000...60_000, using: &generator))
            } else {
                // Once a few more lots are in: the kill lands between or inside lot appends.
                let target = min(try Self.lotsRecorded(workspace) + Int.random(in: 1...3, using: &generator), Self.lotCount - 4)
                // Generous: under a fully loaded machine (the whole suite in parallel) the first
                // lot can take many seconds to appear.
                let deadline = Date().addingTimeInterval(180)
                while try process.isRunning && Self.lotsRecorded(workspace) < target && Date() < deadline { usleep(1_000) }
            }
            let finishedAlone = !process.isRunning
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            observed.append(try Self.lotsRecorded(workspace))
            if finishedAlone {
                diagnostics.append("round \(round) exited \(process.terminationStatus) before the kill: "
                                   + ((try? String(contentsOf: log, encoding: .utf8)) ?? ""))
            }
        }
        // Progress was made and interrupted part-way at least once, and never went backwards.
        #expect(observed.contains { $0 > 0 && $0 < Self.lotCount }, "lots after each kill: \(observed) \(diagnostics)")
        #expect(observed == observed.sorted(), "lots after each kill: \(observed)")

        let final = try workspace.grade(upload.path, ["--register-origins", "--json", "--quiet"])
        #expect(final.status == 0 || final.status == 1, "\(final.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(final.stdout.utf8)) as! [String: Any]
        let statuses = (summary["lots"] as! [[String: Any]]).map { $0["status"] as! String }
        #expect(statuses.filter { $0 == "recorded" }.count == Self.lotCount - observed.last!)
        try Self.expectEveryLotExactlyOnce(workspace)

        let again = try workspace.grade(upload.path, ["--register-origins", "--quiet"])
        // The ledger is unchanged, so the verdict is too (held lots stay held until reviewed).
        #expect(again.status == final.status)
        #expect(again.stdout.contains("Nothing new"))
    }

    /// Two processes grading the same upload, made to take turns appending so their runs provably
    /// interleave (no reliance on timing): the first appends, is stopped, the second appends (racing
    /// for the lot the first was working on), is stopped, the first appends again, then both finish.
    @Test func twoProcessesGradingTheSameUploadRecordEachLotOnce() throws {
        let workspace = try GradeWorkspace()
        defer { workspace.remove() }
        let upload = try Self.makeUpload(in: workspace)
        let summaries = (1...2).map { workspace.directory.url.appendingPathComponent("summary\($0).json") }
        let first = try Self.launchGrade(workspace, upload, jobs: 1, jsonSummary: summaries[0])
        var running = [first]
        defer { for process in running where process.isRunning { kill(process.processIdentifier, SIGCONT); process.terminate() } }
        try Self.runAlone(first, others: [], workspace: workspace)
        let second = try Self.launchGrade(workspace, upload, jobs: 1, jsonSummary: summaries[1])
        running.append(second)
        try Self.runAlone(second, others: [first], workspace: workspace)
        try Self.runAlone(first, others: [second], workspace: workspace)
        for process in running { kill(process.processIdentifier, SIGCONT) }
        first.waitUntilExit()
        second.waitUntilExit()
        #expect([0, 1].contains(first.terminationStatus) && [0, 1].contains(second.terminationStatus),
                "exit statuses \(first.terminationStatus), \(second.terminationStatus)")
        // Each process's own account of the lots it appended: their ledger positions interleave.
        let appended = try summaries.map { url -> [Int] in
            let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
            let lots = summary?["lots"] as? [[String: Any]] ?? []
            return lots.filter { $0["status"] as? String == "recorded" }.compactMap { $0["lot_seq"] as? Int }
        }
        #expect(appended[0].count + appended[1].count == Self.lotCount, "\(appended)")
        let (a, b) = (appended[0], appended[1])
        #expect(a.contains { x in b.contains { $0 < x } } && b.contains { x in a.contains { $0 < x } },
                "the two runs did not interleave: first appended \(a), second \(b)")
        try Self.expectEveryLotExactlyOnce(workspace)
    }

    /// Lets `runner` run with `others` stopped (SIGSTOP) until the ledger holds one more lot than
    /// before, then stops it too. Commits are watched through the WAL's stat, and lots counted only
    /// while nobody runs. A process stopped inside its append transaction holds the write lock; if
    /// nothing is committed for two seconds, everyone runs until the next commit releases it, and
    /// the turn is taken again.
    static func runAlone(_ runner: Process, others: [Process], workspace: GradeWorkspace) throws {
        for attempt in 0..<20 {
            for other in others { kill(other.processIdentifier, SIGSTOP) }
            let before = try lotsRecorded(workspace)
            var stamp = ledgerStamp(workspace)
            kill(runner.processIdentifier, SIGCONT)
            let deadline = Date().addingTimeInterval(2)
            while Date() < deadline {
                if ledgerStamp(workspace) != stamp {
                    kill(runner.processIdentifier, SIGSTOP)
                    if try lotsRecorded(workspace) > before { return }
                    stamp = ledgerStamp(workspace)
                    kill(runner.processIdentifier, SIGCONT)
                }
                guard runner.isRunning else {
                    throw CocoaError(.featureUnsupported, userInfo: [NSLocalizedDescriptionKey:
                        "grade exited (\(runner.terminationStatus)) before appending a lot on its turn \(attempt)"])
                }
                usleep(200)
            }
            let stuck = ledgerStamp(workspace)
            for other in others { kill(other.processIdentifier, SIGCONT) }
            let release = Date().addingTimeInterval(10)
            while ledgerStamp(workspace) == stuck && Date() < release { usleep(200) }
        }
        throw CocoaError(.featureUnsupported, userInfo: [NSLocalizedDescriptionKey: "no lot appended in 20 turns"])
    }
}
