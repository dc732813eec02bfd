import Foundation
import Grading
import LedgerStore
import Localization
import MerkleLog
import Provenance

/// Grading started from the console, run by the server whatever the browser does. Each upload is
/// saved to the work folder and becomes a job row (in the console database) before grading starts;
/// jobs run one after another on one worker. A job still queued or running when the server stops
/// is run again at the next start: the grader's idempotency key (lot code + upload digest) makes
/// the lots recorded before the stop count as already recorded, so every lot is recorded once.
final class GradingJobs: @unchecked Sendable {
    enum State: String, Sendable {
        case queued, running, finished, refused, failed
        var isFinal: Bool { self == .finished || self == .refused || self == .failed }
    }

    struct Job {
        let id: String
        let user: String
        let uploadName: String
        let createdAt: Int
        var state: State
        var registerOrigins: Bool
        /// Progress: live while the job runs (a restarted job starts counting again), stored with
        /// the job when it ends, so a finished job still tells how many photos it went through.
        var phase = ""
        var total = 0
        var done = 0
        /// For `finished`: counts and what needs attention (`GradingJobs.report(of:)`); for
        /// `refused`: the problems in every language; for `failed`: the reason.
        var report: [String: Any] = [:]

        /// Photos of the upload's lots that could not be read.
        var unreadableCount: Int { report["unreadable_count"] as? Int ?? 0 }
        /// A finished job that needs a person: photos unreadable or lots held (as `agritrace
        /// grade` exits 1 for).
        var needsAttention: Bool { state == .finished && (unreadableCount > 0 || (report["held"] as? Int ?? 0) > 0 || !refusedLots.isEmpty) }
        /// Lots graded but refused by the ledger's entry rules (nothing recorded), each with why in every language.
        var refusedLots: [[String: Any]] { report["refused"] as? [[String: Any]] ?? [] }

    }

    /// A folder upload while it arrives; left over only by a server stopped mid-upload.
    static let receivingSuffix = ".receiving"

    private let connection: SQLiteConnection
    private let lock = NSLock()
    private var live: [String: Job] = [:]
    private let worker = DispatchQueue(label: "agritrace.console.grading")
    let directory: URL
    private let ledgerPath: String
    private let signer: NoteSigner
    private let policy: GradingPolicy
    private let threads: Int
    private let localizers: [Language: Localizer]
    let thumbnails: Thumbnails

    /// Jobs waiting or being graded at most (`ConsoleServer.Options.maxQueuedJobs`).
    let maxUnfinished: Int

    /// Refused by `submit`: `maxUnfinished` jobs are waiting or being graded.
    struct QueueFull: Error {}

    init(databasePath: String, directory: String, ledgerPath: String, signer: NoteSigner, policy: GradingPolicy, threads: Int,
         localizers: [Language: Localizer], maxUnfinished: Int) throws {
        self.maxUnfinished = maxUnfinished
        self.directory = URL(fileURLWithPath: directory)
        self.ledgerPath = ledgerPath
        self.signer = signer
        self.policy = policy
        self.threads = threads
        self.localizers = localizers
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasSuffix(Self.receivingSuffix) {
            try? FileManager.default.removeItem(at: self.directory.appendingPathComponent(name))
        }
        thumbnails = try Thumbnails(directory: self.directory.appendingPathComponent("thumbnails"))
        connection = try SQLiteConnection(path: databasePath, create: true)
        try connection.execute("""
            PRAGMA busy_timeout = 30000;
            CREATE TABLE IF NOT EXISTS jobs (
                id TEXT PRIMARY KEY NOT NULL,
                user TEXT NOT NULL,
                upload_name TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                state TEXT NOT NULL,
                register_origins INTEGER NOT NULL,
                report TEXT NOT NULL DEFAULT '{}'
            ) STRICT;
            """)
        try removeEndedUploads()
    }

    /// Whether `submit` would refuse now (checked before an upload is received, to spare it).
    func isFull() throws -> Bool { try locked { try unfinishedCount() >= maxUnfinished } }

    private func unfinishedCount() throws -> Int {
        try connection.singleInteger("SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')") ?? 0
    }

    /// How the console grades: a clerk turns origin registration on with the upload form's box.
    static func graderOptions(threads: Int, registerOrigins: Bool) -> BatchGrader.Options {
        var options = BatchGrader.Options(jobs: threads, registerOrigins: registerOrigins)
        options.registerOriginsSwitch = .consoleCheckbox
        return options
    }

    /// Records the job (its upload is already saved as `id.zip`) and queues it, or throws
    /// `QueueFull` (counted and recorded in one step, so uploads at once cannot pass the limit).
    func submit(id: String, user: String, uploadName: String, registerOrigins: Bool) throws {
        let job = Job(id: id, user: user, uploadName: uploadName, createdAt: Int(Date().timeIntervalSince1970),
                      state: .queued, registerOrigins: registerOrigins)
        try locked {
            guard try unfinishedCount() < maxUnfinished else { throw QueueFull() }
            try connection.statement("INSERT INTO jobs (id, user, upload_name, created_at, state, register_origins) VALUES (?, ?, ?, ?, ?, ?)")
                .bind(.text(id), .text(user), .text(uploadName), .integer(job.createdAt), .text(State.queued.rawValue),
                      .integer(registerOrigins ? 1 : 0)).run()
            live[id] = job
        }
        worker.async { self.run(id) }
    }

    /// Queues again every job that a stopped server left queued or running.
    func resumeUnfinished() {
        let unfinished = ((try? recent(limit: 1000)) ?? []).filter { !$0.state.isFinal }.map(\.id).reversed()
        for id in unfinished { worker.async { self.run(id) } }
    }

    func job(_ id: String) throws -> Job? {
        try locked {
            if let job = live[id] { return job }
            let statement = try connection.statement("SELECT id, user, upload_name, created_at, state, register_origins, report FROM jobs WHERE id = ?")
            try statement.bind(.text(id))
            defer { statement.reset() }
            return try statement.step() ? try Self.read(statement) : nil
        }
    }

    /// The newest jobs first.
    func recent(limit: Int) throws -> [Job] {
        try locked {
            let statement = try connection.statement("SELECT id, user, upload_name, created_at, state, register_origins, report FROM jobs ORDER BY created_at DESC, rowid DESC LIMIT ?")
            try statement.bind(.integer(limit))
            defer { statement.reset() }
            var jobs: [Job] = []
            while try statement.step() {
                let stored = try Self.read(statement)
                jobs.append(live[stored.id] ?? stored)
            }
            return jobs
        }
    }

    private static func read(_ statement: SQLiteStatement) throws -> Job {
        let reportText = try statement.checkedText(6, "jobs.report")
        var report = (try? JSONSerialization.jsonObject(with: Data(reportText.utf8))) as? [String: Any] ?? [:]
        let progress = report.removeValue(forKey: Self.progressKey) as? [String: Any] ?? [:]
        var job = Job(id: try statement.checkedText(0, "jobs.id"), user: try statement.checkedText(1, "jobs.user"),
                      uploadName: try statement.checkedText(2, "jobs.upload_name"),
                      createdAt: try statement.checkedInt(3, "jobs.created_at", in: 0...Int(Int64.max)),
                      state: State(rawValue: try statement.checkedText(4, "jobs.state")) ?? .failed,
                      registerOrigins: try statement.checkedInt(5, "jobs.register_origins", in: 0...1) == 1, report: report)
        job.phase = progress["phase"] as? String ?? ""
        job.total = progress["total"] as? Int ?? 0
        job.done = progress["done"] as? Int ?? 0
        return job
    }

    /// Where the stored report keeps the job's progress (beside the report's own keys).
    private static let progressKey = "progress"

    private func store(_ job: Job) {
        var stored = job.report
        stored[Self.progressKey] = ["phase": job.phase, "total": job.total, "done": job.done] as [String: Any]
        let data = (try? JSONSerialization.data(withJSONObject: stored, options: [.sortedKeys])) ?? Data("{}".utf8)
        try? locked {
            try connection.statement("UPDATE jobs SET state = ?, report = ? WHERE id = ?")
                .bind(.text(job.state.rawValue), .text(String(decoding: data, as: UTF8.self)), .text(job.id)).run()
            if job.state.isFinal { live[job.id] = nil } else { live[job.id] = job }
        }
    }

    fileprivate func update(_ id: String, _ change: (inout Job) -> Void) {
        lock.lock()
        if var job = live[id] { change(&job); live[id] = job }
        lock.unlock()
    }

    /// Grades one job to the end on the worker (never on a request's task).
    private func run(_ id: String) {
        guard var job = try? self.job(id), !job.state.isFinal else { return }
        job.state = .running
        store(job)
        // A folder upload is the folder `ID`, a zip `ID.zip`.
        let folder = directory.appendingPathComponent(id)
        let file = FileManager.default.fileExists(atPath: folder.path) ? folder : directory.appendingPathComponent(id + ".zip")
        let uploadName = job.uploadName
        /// Other errors (a damaged zip) name the stored file, whose name is the job id: the clerk
        /// sees the name they uploaded instead (the id is random hex, so nothing else matches).
        func asUploaded(_ text: String) -> String {
            text.replacingOccurrences(of: file.path, with: uploadName).replacingOccurrences(of: file.lastPathComponent, with: uploadName)
        }
        do {
            let ledger = try Ledger(provenanceAt: ledgerPath)
            let grader = BatchGrader(classifier: try Self.classifier(), policy: policy,
                                     ledger: LedgerGradingStore(ledger: ledger, signer: signer, recordedBy: job.user),
                                     options: Self.graderOptions(threads: threads, registerOrigins: job.registerOrigins))
            let upload = try Upload(url: file)
            let progress = Progress(jobs: self, id: id)
            let summary = try grader.grade(upload, observer: progress)
            // Thumbnails before the job reads as finished, so the lot list it leads to has them.
            for (path, sha256) in progress.photos where !thumbnails.has(sha256: sha256) {
                if let data = try? upload.contents(ofPath: path) { thumbnails.make(sha256: sha256, data: data, fileName: path) }
            }
            job.report = report(of: summary)
            job.state = .finished
        } catch let error as UploadValidationError {
            // A problem of the upload as a whole names it as the clerk did, not by its job id.
            let problems = UploadProblem.inReportOrder(error.problems).map { problem in
                problem.file == error.upload ? UploadProblem(file: job.uploadName, line: problem.line, problem.text) : problem
            }
            var report: [String: Any] = [:]
            for (language, localizer) in localizers {
                report[language.rawValue] = problems.map { asUploaded($0.rendered(by: localizer)) }
            }
            job.report = report
            job.state = .refused
        } catch let error as LocalizableError {
            job.report = Dictionary(uniqueKeysWithValues: localizers.map { ($0.key.rawValue, [asUploaded($0.value.render(error.message))]) })
            job.state = .failed
        } catch {
            job.report = Dictionary(uniqueKeysWithValues: localizers.map { ($0.key.rawValue, [asUploaded("\(error)")]) })
            job.state = .failed
        }
        // The counts the progress stream showed, kept with the result (the live job goes now).
        if let counted = try? self.job(id) { (job.phase, job.total, job.done) = (counted.phase, counted.total, counted.done) }
        store(job)
        // Graded, refused or failed, the upload is not read again (its photos' thumbnails stay).
        try? FileManager.default.removeItem(at: file)
    }

    /// Removes uploads no unfinished job needs: those of jobs that ended while the server
    /// stopped before removing them, and any not (or no longer) in the jobs table.
    private func removeEndedUploads() throws {
        let unfinished = Set(try recent(limit: Int(Int32.max)).filter { !$0.state.isFinal }.map(\.id))
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] {
            let id = name.hasSuffix(".zip") ? String(name.dropLast(4)) : name
            guard Self.isJobID(id), !unfinished.contains(id) else { continue }
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }

    /// Job ids: 24 lowercase hex digits (`ConsoleSite`'s uploads make them).
    static func isJobID(_ text: String) -> Bool {
        text.utf8.count == 24 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// A finished job's report: the counts, and the unreadable photos as `grade` reports them
    /// (file as named in the upload, reason in every language).
    private func report(of summary: GradingSummary) -> [String: Any] {
        let recorded = summary.lots.filter { $0.status == .recorded }.count
        return [
            "recorded": recorded, "held": summary.lots.filter(\.held).count,
            "already": summary.lots.filter { $0.status == .alreadyRecorded }.count, "lots": summary.lots.map(\.lot),
            "refused": summary.lots.filter { $0.status == .refused }.map { lot -> [String: Any] in
                ["lot": lot.lot,
                 "reason": Dictionary(uniqueKeysWithValues: localizers.map { ($0.key.rawValue, lot.refusalMessage.map($0.value.render) ?? lot.refusal ?? "") })]
            },
            // Also those of lots recorded by an earlier run (counted from their grading entries).
            "unreadable_count": summary.lots.reduce(0) { $0 + $1.unreadable },
            "unreadable": summary.unreadable.map { photo -> [String: Any] in
                ["file": photo.file, "lot": photo.lot,
                 "reason": Dictionary(uniqueKeysWithValues: localizers.map { ($0.key.rawValue, photo.reasonMessage.map($0.value.render) ?? photo.reason) })]
            },
        ]
    }

    /// The bundled model, loaded once for all jobs.
    private static let loadedClassifier = Result { try ModelPhotoClassifier.bundledDefault() }
    private static func classifier() throws -> ModelPhotoClassifier { try loadedClassifier.get() }

    private func locked<T>(_ body: () throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Copies the grader's progress into the live job, for the progress stream, and notes each
    /// photo's path and SHA-256 (the thumbnails' names).
    private final class Progress: GradingObserver {
        let jobs: GradingJobs
        let id: String
        private let lock = NSLock()
        private var hashes: [String: String] = [:]
        init(jobs: GradingJobs, id: String) { self.jobs = jobs; self.id = id }
        var photos: [String: String] { lock.lock(); defer { lock.unlock() }; return hashes }
        func begin(phase: String, total: Int) { jobs.update(id) { $0.phase = phase; $0.total = total; $0.done = 0 } }
        func progress(done: Int) { jobs.update(id) { $0.done = done } }
        func record(_ result: PhotoResult) {
            guard Thumbnails.isDigest(result.sha256) else { return }
            lock.lock(); hashes[result.file] = result.sha256; lock.unlock()
        }
        func end(phase: String) {}
    }
}
