import Foundation
import Grading
import Hummingbird
import Imaging
import LedgerStore
import Localization
import NIOCore
import Provenance
import Traceability
import MerkleLog
import Witnessing

extension ConsoleSite {
    /// Lots shown on the main page, newest first.
    static let lotsShown = 200

    // MARK: - Main page: upload, jobs, lots

    func dashboard(page: ConsolePage, notice: (ok: Bool, html: String)?) throws -> ConsoleReply {
        let localizer = page.localizer
        var body = ""
        if let notice { body += "<section class=\"\(notice.ok ? "ok" : "error")\" role=\"status\"><p>\(notice.html)</p></section>" }
        let limit = Self.sizeText(options.maxUploadBytes)
        body += """
            <section><h2>\(page.t(ConsoleText.uploadTitle))</h2>
            <p class="note">\(page.t(ConsoleText.uploadHelp(size: .text(limit))))</p>
            <form id="upload" method="post" action="/console/uploads" data-csrf="\(page.h(page.csrf ?? ""))" data-max="\(options.maxUploadBytes)"
             data-too-large="\(page.t(ConsoleText.uploadTooLarge(size: .text(limit))))" data-chosen="\(page.t(ConsoleText.folderChosen(folder: .text("%1"), count: .text("%2"), size: .text("%3"))))"
             data-nothing="\(page.t(ConsoleText.nothingChosen))" data-refused="\(page.t(ConsoleText.uploadNotAnswered))"
             data-unsent="\(page.t(ConsoleText.uploadNotSent))" data-unnamed="\(page.t(ConsoleText.unnamedFolder))">
            <div id="drop" class="drop"><p>\(page.t(ConsoleText.dropHere))</p>
            <input type="file" id="file" name="file" class="picker" accept=".zip,application/zip">
            <label for="file" class="picker">\(page.t(ConsoleText.uploadFile))</label>
            <input type="file" id="folder" name="folder" class="picker" webkitdirectory multiple>
            <label for="folder" class="picker">\(page.t(ConsoleText.uploadFolder))</label>
            <p id="chosen" class="note" aria-live="polite"></p></div>
            <label class="check"><input type="checkbox" name="register_origins" value="1"> \(page.t(ConsoleText.registerOrigins))</label>
            <p><button type="submit">\(page.t(ConsoleText.uploadButton))</button></p>
            <div id="upload-status" role="status" aria-live="polite"></div>
            <noscript><p>\(page.t(ConsoleText.needsScript))</p></noscript>
            </form></section>
            """
        let recent = try jobs.recent(limit: 10)
        body += "<section><h2>\(page.t(ConsoleText.jobsTitle))</h2>"
        if recent.isEmpty {
            body += "<p>\(page.t(ConsoleText.noJobs))</p>"
        } else {
            body += "<ul>" + recent.map { job in
                "<li><a href=\"/console/jobs/\(job.id)\">\(page.h(job.uploadName))</a> · \(page.h(job.user)) · \(page.h(stateText(job, localizer: localizer)))</li>"
            }.joined() + "</ul>"
        }
        body += "</section>"

        let snapshot = try snapshot()
        let states = snapshot.lotStates().suffix(Self.lotsShown).reversed()
        body += "<section><h2>\(page.t(ConsoleText.lotsTitle))</h2>"
        if states.isEmpty {
            body += "<p>\(page.t(ConsoleText.noLots))</p>"
        } else {
            // The grade comes right after the lot, so a phone shows both without scrolling sideways.
            body += """
                <form method="post" action="/console/labels">\(page.csrfField)
                <div class="scroll"><table><thead><tr><th></th><th>\(page.t(ConsoleText.lot))</th><th>\(page.t(ConsoleText.grade))</th>
                <th>\(page.t(ConsoleText.farm))</th><th>\(page.t(ConsoleText.harvest))</th><th>\(page.t(ConsoleText.recordedBy))</th></tr></thead><tbody>
                """
            for (index, item) in states.enumerated() {
                guard case .success(let state) = item.state else { continue }
                let id = "lot-\(index)"
                var grade: String
                if state.isHeld {
                    var text = "<span class=\"held\">\(page.t(ConsoleText.held))</span>"
                    if page.user.map({ $0.role >= .reviewer }) == true {
                        text += " <a href=\"/console/review?lot=\(page.h(Identifiers.percentEncoded(state.lot.lotCode)))\">\(page.t(ConsoleText.review))</a>"
                    }
                    grade = text
                } else {
                    grade = state.currentGrade.map { page.grade($0) } ?? page.t(ConsoleText.notGraded)
                }
                // As `grade` reports them: a grade made without some photos needs saying.
                let unreadable = (state.latestGrading?.record.images ?? []).filter { if case .unreadable = $0 { true } else { false } }.count
                if unreadable > 0 { grade += "<br><span class=\"held\">\(page.t(ConsoleText.photosUnreadableShort(count: unreadable)))</span>" }
                let by = (state.latestGrading?.entry ?? state.lotEntry).body
                body += """
                    <tr><td><input type="checkbox" id="\(id)" name="lot" value="\(page.h(state.lot.lotCode))"></td>
                    <td><label class="check" for="\(id)">\(page.h(state.lot.lotCode))</label>\(thumbnailStrip(state, page: page, shown: 4))</td>
                    <td>\(grade)</td><td>\(page.h(state.origin.farmName ?? state.lot.farmID))</td><td>\(page.h(localizer.day(state.lot.harvestDate)))</td>
                    <td>\(page.h(Attribution.recordedBy(by) ?? "—"))</td></tr>
                    """
            }
            body += """
                </tbody></table></div>
                <label for="stock">\(page.t(ConsoleText.labelSize))</label>
                <select id="stock" name="stock">\(LabelStock.allCases.map { "<option value=\"\($0.rawValue)\">\($0.millimetres.width)×\($0.millimetres.height) mm</option>" }.joined())</select>
                <label for="format">\(page.t(ConsoleText.labelFormat))</label>
                <select id="format" name="format"><option value="pdf">\(page.t(ConsoleText.labelFormatPDF))</option><option value="png">\(page.t(ConsoleText.labelFormatPNG))</option></select>
                <p><button type="submit">\(page.t(ConsoleText.labelsButton))</button></p>
                </form>
                """
        }
        body += "</section>"
        body += "<p><a href=\"/console/origins\">\(page.t(ConsoleText.originsTitle))</a></p>"
        if page.user.map({ $0.role >= .admin }) == true {
            body += "<section><h2>\(page.t(ConsoleText.checkpointTitle))</h2>"
            if let latest = try Ledger(provenanceAt: options.ledgerPath, readOnly: true).latestCheckpoint() {
                let names = witnessNames(cosigning: latest.signedNote)
                body += "<p>\(page.t(ConsoleText.latestCheckpoint(size: .integer(latest.checkpoint.size))))"
                    + (names.isEmpty ? "" : " " + page.t(ConsoleText.cosignedBy(names: .text(names.joined(separator: ", ")))))
                    + "</p>"
            }
            if options.witnesses.isEmpty {
                body += "<p class=\"note\">\(page.t(ConsoleText.noWitnesses))</p>"
            } else {
                body += "<p class=\"note\">\(page.t(ConsoleText.witnessesAsked))</p><ul>"
                    + options.witnesses.map { "<li>\(page.h($0.key.name)) · \(page.h($0.url.absoluteString))</li>" }.joined() + "</ul>"
            }
            body += """
                <form method="post" action="/console/checkpoint">\(page.csrfField)
                <button type="submit">\(page.t(ConsoleText.checkpointButton))</button></form></section>
                """
        }
        return .html(200, page.render(title: localizer.render(ConsoleText.title), body))
    }

    /// The first `shown` photos of the lot's latest grading that have a thumbnail, then "+N" for the rest.
    func thumbnailStrip(_ state: LotState, page: ConsolePage, shown: Int) -> String {
        let images = state.latestGrading?.record.images ?? []
        let pictured = images.filter { jobs.thumbnails.has(sha256: $0.sha256) }
        guard !pictured.isEmpty else { return "" }
        var html = "<span class=\"thumbs\">" + pictured.prefix(shown).map { image in
            "<img src=\"/console/thumbnails/\(image.sha256).png\" alt=\"\(page.h(image.file))\" width=\"40\" height=\"40\" loading=\"lazy\">"
        }.joined()
        if images.count > shown { html += "<span class=\"note\">+\(images.count - shown)</span>" }
        return html + "</span>"
    }

    static func sizeText(_ bytes: Int) -> String {
        bytes >= 1 << 20 ? "\(bytes >> 20) MiB" : "\(bytes >> 10) KiB"
    }

    // MARK: - Uploads and jobs

    /// Streams the body to the work folder, counting; more than the limit is refused with 413
    /// and the partial file removed. Nothing is recorded until the job's grader has checked it all.
    func upload(_ request: ConsoleRequest, query: [String: [String]], user: ConsoleUser, page: ConsolePage) async throws -> ConsoleReply {
        if let boundary = FolderReceiver.boundary(request.contentType) {
            return try await uploadFolder(request, boundary: boundary, query: query, user: user, page: page)
        }
        // The name is only shown; the file on disk is named by the job id.
        let name = Self.uploadName(query, default: "upload.zip")
        if try jobs.isFull() { return queueFull(name, localizer: page.localizer) }
        let limit = options.maxUploadBytes
        let tooLarge = page.localizer.render(ConsoleText.uploadTooLarge(size: .text(Self.sizeText(limit))))
        if let declared = request.contentLength, declared > limit { return .json(413, ["error": tooLarge]) }
        let id = Sessions.hash(Sessions.randomToken()).prefix(24).description
        let file = jobs.directory.appendingPathComponent(id + ".zip")
        guard FileManager.default.createFile(atPath: file.path, contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = try? FileHandle(forWritingTo: file) else {
            return .json(500, ["error": page.localizer.render(ConsoleText.uploadNotStored(
                reason: .message(Message("cannot create {file}", ["file": .text(file.lastPathComponent)]))))])
        }
        var received = 0
        do {
            defer { try? handle.close() }
            for try await buffer in request.body {
                received += buffer.readableBytes
                if received > limit { throw UploadTooLarge() }
                do { try handle.write(contentsOf: Data(buffer.readableBytesView)) } catch { throw UploadNotStored(reason: error) }
            }
        } catch {
            // Nothing partial stays in the work folder, whatever stopped the upload.
            try? FileManager.default.removeItem(at: file)
            return Self.unfinishedUpload(error, tooLarge: tooLarge, localizer: page.localizer)
        }
        guard received > 0 else {
            try? FileManager.default.removeItem(at: file)
            return .json(400, ["error": page.localizer.render(ConsoleText.uploadEmpty)])
        }
        do {
            try jobs.submit(id: id, user: user.name, uploadName: name, registerOrigins: query.first("register_origins") == "1")
        } catch is GradingJobs.QueueFull {
            // Filled while this one arrived.
            try? FileManager.default.removeItem(at: file)
            return queueFull(name, localizer: page.localizer)
        }
        return .json(202, ["job": id, "url": "/console/jobs/\(id)"])
    }

    /// The name an upload is shown by (`name` in the query, if printable and short).
    static func uploadName(_ query: [String: [String]], default fallback: String) -> String {
        guard let name = query.first("name"), Identifiers.textProblem(name) == nil, name.utf8.count <= 200 else { return fallback }
        return name
    }

    /// 503: as many jobs as the console takes are waiting or being graded.
    func queueFull(_ name: String, localizer: Localizer) -> ConsoleReply {
        var reply = ConsoleReply.json(503, ["error": localizer.render(ConsoleText.queueFull(upload: .text(name), count: jobs.maxUnfinished))])
        reply.headers.append(("Retry-After", "60"))
        return reply
    }

    private struct UploadTooLarge: Error {}

    /// Writing to the work folder failed (a full disk, say): the console's problem, not the upload's.
    private struct UploadNotStored: Error {
        let reason: any Error
    }

    /// The answer to an upload that did not arrive whole: too large (413), not writable here (500),
    /// or cut off by the connection (400; the browser usually no longer listens, but a script may).
    private static func unfinishedUpload(_ error: any Error, tooLarge: String, localizer: Localizer) -> ConsoleReply {
        switch error {
        case is UploadTooLarge, is FolderReceiver.TooLarge: return .json(413, ["error": tooLarge])
        case let error as UploadNotStored:
            return .json(500, ["error": localizer.render(ConsoleText.uploadNotStored(reason: .message(.fileError(error.reason))))])
        default: return .json(400, ["error": localizer.render(ConsoleText.uploadCutOff)])
        }
    }

    /// Room for the part headers and path fields of a folder upload, on top of its files' bytes
    /// (which alone are held to the stated limit).
    static let folderOverheadBytes = 16 << 20

    /// A folder sent as multipart parts (`FolderReceiver`): written under `ID.receiving` as it
    /// arrives; refused paths are all listed (400) and nothing is kept; otherwise the folder
    /// becomes `ID` in the work folder and a job like a zip's.
    func uploadFolder(_ request: ConsoleRequest, boundary: String, query: [String: [String]], user: ConsoleUser,
                      page: ConsolePage) async throws -> ConsoleReply {
        let name = Self.uploadName(query, default: page.localizer.render(ConsoleText.unnamedFolder))
        if try jobs.isFull() { return queueFull(name, localizer: page.localizer) }
        let limit = options.maxUploadBytes
        let localizer = page.localizer
        let tooLarge = localizer.render(ConsoleText.uploadTooLarge(size: .text(Self.sizeText(limit))))
        let bodyLimit = limit + Self.folderOverheadBytes
        if let declared = request.contentLength, declared > bodyLimit { return .json(413, ["error": tooLarge]) }
        let id = Sessions.hash(Sessions.randomToken()).prefix(24).description
        let receiving = jobs.directory.appendingPathComponent(id + GradingJobs.receivingSuffix)
        try FileManager.default.createDirectory(at: receiving, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        // Whatever happens, the partial folder goes (once graded files moved out, what is left of it).
        defer { try? FileManager.default.removeItem(at: receiving) }
        var receiver = FolderReceiver(root: receiving, boundary: boundary, limits: .default, maxBytes: limit)
        var received = 0
        do {
            for try await buffer in request.body {
                received += buffer.readableBytes
                if received > bodyLimit { throw FolderReceiver.TooLarge() }
                try receiver.feed(buffer.readableBytesView)
            }
            try receiver.finish()
        } catch let error as FolderReceiver.Malformed {
            receiver.abandon()
            return .json(400, ["error": localizer.render(ConsoleText.folderMalformed(detail: .message(error.detail)))])
        } catch {
            receiver.abandon()
            return Self.unfinishedUpload(error, tooLarge: tooLarge, localizer: localizer)
        }
        if !receiver.problems.isEmpty {
            return .json(400, ["error": localizer.render(ConsoleText.stateRefused),
                               "problems": UploadProblem.inReportOrder(receiver.problems).map { $0.rendered(by: localizer) }])
        }
        guard receiver.fileCount > 0 else { return .json(400, ["error": localizer.render(ConsoleText.uploadEmpty)]) }
        let folder = jobs.directory.appendingPathComponent(id)
        try FileManager.default.moveItem(at: receiver.gradingRoot(), to: folder)
        do {
            try jobs.submit(id: id, user: user.name, uploadName: name, registerOrigins: query.first("register_origins") == "1")
        } catch is GradingJobs.QueueFull {
            try? FileManager.default.removeItem(at: folder)
            return queueFull(name, localizer: localizer)
        }
        return .json(202, ["job": id, "url": "/console/jobs/\(id)"])
    }

    func stateText(_ job: GradingJobs.Job, localizer: Localizer) -> String {
        switch job.state {
        case .queued: return localizer.render(ConsoleText.stateQueued)
        case .running:
            if job.phase == "hashing" {
                return localizer.render(ConsoleText.stateHashing(done: .integer(job.done), total: .integer(job.total)))
            }
            return localizer.render(ConsoleText.stateRunning(done: .integer(job.done), total: .integer(job.total)))
        case .finished:
            var text = localizer.render(ConsoleText.stateFinished(lots: job.report["recorded"] as? Int ?? 0,
                                                                  held: .integer(job.report["held"] as? Int ?? 0),
                                                                  already: .integer(job.report["already"] as? Int ?? 0)))
            if job.unreadableCount > 0 { text += " " + localizer.render(ConsoleText.photosUnreadable(count: job.unreadableCount)) }
            if !job.refusedLots.isEmpty { text += " " + localizer.render(ConsoleText.lotsRefused(count: job.refusedLots.count)) }
            return text
        case .refused: return localizer.render(ConsoleText.stateRefused)
        case .failed:
            let reason = (job.report[localizer.language.rawValue] as? [String])?.joined(separator: "; ") ?? ""
            return localizer.render(ConsoleText.stateFailed(reason: .text(reason)))
        }
    }

    func jobPage(id: String, page: ConsolePage) throws -> ConsoleReply {
        guard let job = try jobs.job(id) else { return notFound(page.localizer) }
        let localizer = page.localizer
        var body = "<p class=\"note\">\(page.t(ConsoleText.jobBy(name: .text(job.user), time: .timestamp(Self.iso(job.createdAt)))))</p>"
        body += """
            <section id="job" data-live="\(job.state.isFinal ? "0" : "1")" data-events="/console/jobs/\(id)/events" class="\(job.state == .refused || job.state == .failed ? "error" : job.needsAttention ? "attention" : job.state == .finished ? "ok" : "")">
            <p class="state" role="status" aria-live="polite">\(page.h(stateText(job, localizer: localizer)))</p>
            """
        if !job.state.isFinal { body += "<progress max=\"\(max(job.total, 1))\" value=\"\(job.done)\"></progress>" }
        if job.state == .refused, let problems = job.report[localizer.language.rawValue] as? [String] {
            body += "<ul>" + problems.map { "<li>\(page.h($0))</li>" }.joined() + "</ul>"
        }
        if job.state == .finished {
            let language = localizer.language.rawValue
            if !job.refusedLots.isEmpty {
                body += "<h2>\(page.t(ConsoleText.refusedLotsTitle))</h2><ul class=\"refused\">" + job.refusedLots.map { lot in
                    let reason = (lot["reason"] as? [String: String])?[language] ?? ""
                    return "<li>\(page.t(ConsoleText.refusedLot(lot: .text(lot["lot"] as? String ?? ""), reason: .text(reason))))</li>"
                }.joined() + "</ul>"
            }
            let unreadable = job.report["unreadable"] as? [[String: Any]] ?? []
            if !unreadable.isEmpty {
                body += "<h2>\(page.t(ConsoleText.unreadableTitle))</h2><ul class=\"unreadable\">" + unreadable.map { photo in
                    let reason = (photo["reason"] as? [String: String])?[language] ?? ""
                    return "<li>\(page.t(ConsoleText.unreadablePhoto(file: .text(photo["file"] as? String ?? ""), lot: .text(photo["lot"] as? String ?? ""), reason: .text(reason))))</li>"
                }.joined() + "</ul>"
            }
        }
        body += "</section><p><a href=\"/console/\">\(page.t(ConsoleText.back))</a></p>"
        return .html(200, page.render(title: localizer.render(ConsoleText.jobTitle(upload: .text(job.uploadName))), body))
    }

    /// Server-sent events: the job's state every half second until it ends. A reloaded page
    /// opens a new stream and picks up from the job's current state.
    func events(jobID: String, localizer: Localizer) throws -> ConsoleReply {
        guard try jobs.job(jobID) != nil else { return notFound(localizer) }
        let jobs = self.jobs
        let describe: @Sendable (GradingJobs.Job) -> String = { [self] job in
            let data = (try? JSONSerialization.data(withJSONObject: [
                "state": job.state.rawValue, "done": job.done, "total": job.total, "final": job.state.isFinal,
                "text": stateText(job, localizer: localizer),
            ] as [String: Any], options: [.sortedKeys])) ?? Data()
            return "event: progress\ndata: \(String(decoding: data, as: UTF8.self))\n\n"
        }
        let events = AsyncThrowingStream<ByteBuffer, any Error> { continuation in
            let task = Task {
                do {
                    while let job = try jobs.job(jobID) {
                        continuation.yield(ByteBuffer(string: describe(job)))
                        if job.state.isFinal { break }
                        try await Task.sleep(nanoseconds: 500_000_000)
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            // The browser went away (page closed or reloaded): stop polling; the job goes on.
            continuation.onTermination = { _ in task.cancel() }
        }
        return ConsoleReply(status: 200, contentType: "text/event-stream", body: .stream(events))
    }

    static func iso(_ seconds: Int) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    // MARK: - Review

    func reviewPage(lotCode: String, page: ConsolePage, notice: (ok: Bool, html: String)?) throws -> ConsoleReply {
        guard let user = page.user, user.role >= .reviewer else { return forbidden(page, user: page.user!, needed: .reviewer) }
        guard let state = try? snapshot().lotState(code: lotCode) else { return notFound(page.localizer) }
        var body = ""
        if let notice { body += "<section class=\"\(notice.ok ? "ok" : "error")\" role=\"status\"><p>\(notice.html)</p></section>" }
        let suggested = state.current?.grading.lotGrade ?? ""
        let grades = LotReview.grades(of: state)
        let photos = (state.latestGrading?.record.images ?? []).filter { jobs.thumbnails.has(sha256: $0.sha256) }
        if !photos.isEmpty {
            body += "<section><h2>\(page.t(ConsoleText.photos))</h2><ul class=\"photos\">" + photos.map { image in
                var caption = page.h(image.file)
                if case .graded(let photo) = image { caption += " · " + page.grade(photo.grade) }
                return "<li><img src=\"/console/thumbnails/\(image.sha256).png\" alt=\"\(page.h(image.file))\" width=\"96\" height=\"96\" loading=\"lazy\"><span>\(caption)</span></li>"
            }.joined() + "</ul></section>"
        }
        body += """
            <section><p>\(page.h(state.statusText(page.presentation)))</p><p>\(page.t(ConsoleText.suggested(grade: .text(page.presentation.grade(suggested)))))</p>
            <form method="post" action="/console/review">\(page.csrfField)
            <input type="hidden" name="lot" value="\(page.h(state.lot.lotCode))">
            <input type="hidden" name="seen" value="\(LotReview.latestSeq(of: state))">
            <label class="check"><input type="radio" name="decision" value="accept" checked> \(page.t(ConsoleText.accept))</label>
            <label class="check"><input type="radio" name="decision" value="grade"> \(page.t(ConsoleText.changeGrade))</label>
            <label for="grade">\(page.t(ConsoleText.grade))</label>
            <select id="grade" name="grade">\(grades.map { "<option value=\"\(page.h($0))\">\(page.grade($0))</option>" }.joined())</select>
            <label for="reason">\(page.t(ConsoleText.reason))</label>
            <input type="text" id="reason" name="reason" maxlength="\(EntryValidator.maxStringScalars)">
            <p><button type="submit">\(page.t(ConsoleText.record))</button></p>
            </form></section><p><a href="/console/">\(page.t(ConsoleText.back))</a></p>
            """
        return .html(200, page.render(title: page.localizer.render(ConsoleText.reviewTitle(lot: .text(state.lot.lotCode))), body))
    }

    /// The same signed correction as `agritrace review`, with the account as reviewer and `recorded_by`.
    func review(form: [String: [String]], user: ConsoleUser, page: ConsolePage) throws -> ConsoleReply {
        let lotCode = form.first("lot") ?? ""
        let reason = form.first("reason").flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        let decision: LotReview.Decision
        switch form.first("decision") {
        case "accept": decision = .accept
        case "grade": decision = .grade(form.first("grade") ?? "")
        default:
            // Only the form's two choices sign anything: a missing or other value used to accept.
            var reply = try reviewPage(lotCode: lotCode, page: page, notice: (false, page.t(ConsoleText.notRecorded(reason: .message(ConsoleText.chooseDecision)))))
            reply.status = 400
            return reply
        }
        let notice: (ok: Bool, html: String) = try writing { ledger in
            guard let state = try LedgerSnapshot(reading: ledger).lotState(code: lotCode) else {
                return (false, page.t(ConsoleText.notFound))
            }
            do {
                // The lot as the page showed it: someone else's decision since then refuses this one.
                // The page always carries it; a form without it, or naming an entry the lot does
                // not have yet, was not drawn by this console.
                guard let seen = form.first("seen").flatMap({ Int($0) }), (0...LotReview.latestSeq(of: state)).contains(seen) else {
                    return (false, page.t(ConsoleText.notRecorded(reason: .message(ConsoleText.pageOutOfDate))))
                }
                switch try LotReview.outcome(for: state, decision: decision, reason: reason, reviewer: user.name, seenUpTo: seen) {
                case .alreadyDecided:
                    return (true, page.t(ConsoleText.reviewNothing))
                case .record(let correction, let basis):
                    try ledger.append([.correction(correction)], signer: options.signer, decidedOn: basis, recordedBy: user.name)
                    let grade = correction.changes["lot_grade"]?.stringValue ?? ""
                    return (true, page.t(ConsoleText.reviewRecorded(lot: .text(lotCode), grade: .text(page.presentation.grade(grade)))))
                }
            } catch let error as LotReviewError {
                return (false, page.t(ConsoleText.notRecorded(reason: .message(error.message(page.presentation, inputs: ConsoleText.reviewInputs)))))
            } catch LedgerError.changedMeanwhile(let seq, _) {
                return (false, page.t(ConsoleText.notRecorded(reason: .message(ConsoleText.changedMeanwhile(seq: seq)))))
            }
        }
        if notice.ok { return try dashboard(page: page, notice: notice) }
        var reply = try reviewPage(lotCode: lotCode, page: page, notice: notice)
        reply.status = 400
        return reply
    }

    // MARK: - Labels

    /// The dashboard with why no labels were made, as a refusal (400), not as a page that went well.
    private func labelsRefused(_ html: String, page: ConsolePage) throws -> ConsoleReply {
        var reply = try dashboard(page: page, notice: (false, html))
        reply.status = 400
        return reply
    }

    /// Labels made by one request: each is drawn while the ledger's write lock is held.
    static let maxLabelsAtOnce = 100

    /// The chosen lots' labels as one PDF, a page per label at the stock's size (`format=pdf`), or
    /// one PNG sheet with the labels one under another, 4 mm apart, at 300 dpi.
    func labels(form: [String: [String]], page: ConsolePage) async throws -> ConsoleReply {
        let codes = form["lot"] ?? []
        guard !codes.isEmpty else { return try labelsRefused(page.t(ConsoleText.noLotsChosen), page: page) }
        guard codes.count <= Self.maxLabelsAtOnce else {
            return try labelsRefused(page.t(ConsoleText.tooManyLabels(chosen: codes.count, max: Self.maxLabelsAtOnce)), page: page)
        }
        // A label's proof needs a checkpoint covering its lot: it is signed here, asking the witnesses,
        // rather than by the label maker, which would skip them, and so that the labels can then be drawn
        // outside the ledger's write lock. The witnesses' answers are not shown (the reply is the labels);
        // the dashboard names the cosigners.
        if try ledgerOutgrewCheckpoint() {
            _ = try await signCheckpointAskingWitnesses()
        }
        // A value the form does not offer is refused, not replaced by a default the clerk did not choose.
        let stockName = form.first("stock") ?? LabelStock.large.rawValue, format = form.first("format") ?? "png"
        guard let stock = LabelStock(rawValue: stockName) else {
            return try labelsRefused(page.t(ConsoleText.unknownLabelChoice(value: .text(stockName))), page: page)
        }
        guard format == "png" || format == "pdf" else {
            return try labelsRefused(page.t(ConsoleText.unknownLabelChoice(value: .text(format))), page: page)
        }
        let words = LabelWords(page.presentation)
        // Each lot is drawn once however often it is named (copies for several crates share it).
        func draw(_ ledger: Ledger) throws -> [RGBImage] {
            var drawn: [String: RGBImage] = [:]
            return try codes.map { code in
                if let image = drawn[code] { return image }
                let image = try LabelPackage.make(lotCode: code, ledger: ledger, signer: options.signer, baseURL: options.labelBaseURL,
                                                  stock: stock, words: words).label.image
                drawn[code] = image
                return image
            }
        }
        let rendered: [RGBImage]
        do {
            // Drawn from a read-only connection: 100 labels drawn under the write lock kept every other
            // writer (uploads, reviews, the dashboard's actions) waiting for half a minute. A lot that gained
            // an entry since the checkpoint above needs a newer one, which only a writer can sign: then the
            // labels are drawn again under the lock.
            do {
                rendered = try draw(try Ledger(provenanceAt: options.ledgerPath, readOnly: true))
            } catch let refusal as LabelError {
                throw refusal
            } catch {
                rendered = try writing(draw)
            }
        } catch let refusal as LabelError {
            // A lot the form did not offer (unknown, not graded): said on the dashboard, not as a 500.
            return try labelsRefused(page.t(refusal.message), page: page)
        }
        if format == "pdf" {
            return ConsoleReply(status: 200, contentType: "application/pdf", body: .bytes(try LabelSheetPDF.document(rendered)),
                                headers: [("Content-Disposition", "inline; filename=\"labels-\(stock.rawValue).pdf\"")])
        }
        let gap = LabelStock.pixels(millimetres: 4)
        let width = rendered.map(\.width).max() ?? 1
        let height = rendered.reduce(0) { $0 + $1.height } + gap * (rendered.count - 1)
        var sheet = RGBImage(width: width, height: height, pixels: [UInt8](repeating: 255, count: width * height * 3))
        var top = 0
        for label in rendered {
            for row in 0..<label.height {
                let from = row * label.width * 3, to = ((top + row) * width) * 3
                sheet.pixels.replaceSubrange(to..<(to + label.width * 3), with: label.pixels[from..<(from + label.width * 3)])
            }
            top += label.height + gap
        }
        return ConsoleReply(status: 200, contentType: "image/png", body: .bytes(try PNGEncoder.encode(sheet)),
                            headers: [("Content-Disposition", "inline; filename=\"labels-\(stock.rawValue).png\"")])
    }

    // MARK: - Origins

    func originsPage(page: ConsolePage, notice: (ok: Bool, html: String)?) throws -> ConsoleReply {
        var body = ""
        if let notice { body += "<section class=\"\(notice.ok ? "ok" : "error")\" role=\"status\"><p>\(notice.html)</p></section>" }
        body += """
            <section><form method="post" action="/console/origins">\(page.csrfField)
            <label for="origin_code">\(page.t(ConsoleText.originCode))</label><input type="text" id="origin_code" name="origin_code" required>
            <label for="farm_id">\(page.t(ConsoleText.farmID))</label><input type="text" id="farm_id" name="farm_id" required>
            <label for="farm_name">\(page.t(ConsoleText.farmName))</label><input type="text" id="farm_name" name="farm_name">
            <label for="crop">\(page.t(ConsoleText.crop))</label><input type="text" id="crop" name="crop" required>
            <label for="province">\(page.t(ConsoleText.province))</label><input type="text" id="province" name="province">
            <p><button type="submit">\(page.t(ConsoleText.registerOrigin))</button></p>
            </form></section>
            """
        let snapshot = try snapshot()
        body += """
            <section><div class="scroll"><table><thead><tr><th>\(page.t(ConsoleText.originCode))</th><th>\(page.t(ConsoleText.farm))</th>
            <th>\(page.t(ConsoleText.crop))</th><th>\(page.t(ConsoleText.province))</th><th>\(page.t(ConsoleText.recordedBy))</th></tr></thead><tbody>
            """
        for origin in snapshot.origins.reversed() {
            guard let (registration, record, corrections) = snapshot.currentOrigin(code: origin.record.originCode) else { continue }
            let link = "/console/origin?code=\(page.h(Identifiers.percentEncoded(record.originCode)))"
            let edited = corrections.isEmpty ? "" : " <span class=\"note\">\(page.t(ConsoleText.corrected(count: corrections.count)))</span>"
            body += "<tr><td><a href=\"\(link)\">\(page.h(record.originCode))</a>\(edited)</td><td>\(page.h([record.farmName, record.farmID].compactMap { $0 }.joined(separator: " · ")))</td>"
                + "<td>\(page.h(record.crop))</td><td>\(page.h(record.province ?? ""))</td><td>\(page.h(Attribution.recordedBy(registration.entry.body) ?? "—"))</td></tr>"
        }
        body += "</tbody></table></div></section><p><a href=\"/console/\">\(page.t(ConsoleText.back))</a></p>"
        return .html(200, page.render(title: page.localizer.render(ConsoleText.originsTitle), body))
    }

    func registerOrigin(form: [String: [String]], user: ConsoleUser, page: ConsolePage) throws -> ConsoleReply {
        func field(_ name: String) -> String? {
            form.first(name).map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        let origin = OriginRecord(originCode: field("origin_code") ?? "", farmID: field("farm_id") ?? "", farmName: field("farm_name"),
                                  province: field("province"), crop: field("crop") ?? "")
        do {
            // The entry rules (code syntax, registered once) decide, before anything is signed.
            _ = try ProvenanceRecord(ProvenanceRecord.origin(origin).body)
            try writing { ledger in _ = try ledger.append([.origin(origin)], signer: options.signer, recordedBy: user.name) }
        } catch let error as EntryError {
            var reply = try originsPage(page: page, notice: (false, page.t(ConsoleText.originRefused(reason: .text(page.localizer.describe(error))))))
            reply.status = 400
            return reply
        } catch let error as LedgerError {
            var reply = try originsPage(page: page, notice: (false, page.t(ConsoleText.originRefused(reason: .text(page.localizer.render(error.reasonForOneEntry))))))
            reply.status = 400
            return reply
        }
        return try originsPage(page: page, notice: (true, page.t(ConsoleText.originRecorded(code: .text(origin.originCode)))))
    }
}

extension ConsoleSite {
    // MARK: - One origin: history and correction

    /// An origin code as it stands, its history (registration, then each correction: when, who,
    /// why, what changed), and for reviewers and admins the form that corrects it.
    func originPage(code: String, page: ConsolePage, notice: (ok: Bool, html: String)?) throws -> ConsoleReply {
        let snapshot = try snapshot()
        guard let (registration, current, corrections) = snapshot.currentOrigin(code: code) else { return notFound(page.localizer) }
        let localizer = page.localizer
        var body = ""
        if let notice { body += "<section class=\"\(notice.ok ? "ok" : "error")\" role=\"status\"><p>\(notice.html)</p></section>" }
        func value(_ field: String) -> String? { Self.value(of: field, in: current) }
        let lots = snapshot.lots(originCode: code).count
        body += "<section><dl class=\"facts\">" + OriginRecord.correctableFields.map { field in
            "<dt>\(page.t(ConsoleText.originField(field)))</dt><dd>\(page.h(value(field) ?? "—"))</dd>"
        }.joined() + "<dt>\(page.t(ConsoleText.lotsTitle))</dt><dd>\(lots)</dd></dl></section>"
        if page.user.map({ $0.role >= .reviewer }) == true {
            body += """
                <section><h2>\(page.t(ConsoleText.correctOrigin))</h2><p class="note">\(page.t(ConsoleText.correctOriginHelp))</p>
                <form method="post" action="/console/origin">\(page.csrfField)
                <input type="hidden" name="code" value="\(page.h(code))">
                <input type="hidden" name="seen" value="\(Self.latestOriginSeq(code, in: snapshot))">
                """
            for field in OriginRecord.correctableFields {
                body += "<label for=\"\(field)\">\(page.t(ConsoleText.originField(field)))</label>"
                    + "<input type=\"text\" id=\"\(field)\" name=\"\(field)\" value=\"\(page.h(value(field) ?? ""))\" maxlength=\"\(EntryValidator.maxStringScalars)\"\(field == "farm_id" || field == "crop" ? " required" : "")>"
            }
            body += """
                <label for="reason">\(page.t(ConsoleText.reason))</label>
                <input type="text" id="reason" name="reason" maxlength="\(EntryValidator.maxStringScalars)" required>
                <p><button type="submit">\(page.t(ConsoleText.recordCorrection))</button></p>
                </form></section>
                """
        }
        body += "<section><h2>\(page.t(ConsoleText.history))</h2><ol class=\"history\">"
        body += "<li>\(page.t(ConsoleText.historyRegistered(seq: .integer(registration.seq), time: .timestamp(registration.recordedAt), name: .text(Attribution.recordedBy(registration.entry.body) ?? "—"))))</li>"
        for correction in corrections {
            let changes = correction.record.changes.sorted { $0.key < $1.key }.map { key, value in
                "\(localizer.render(ConsoleText.originField(key))): \(value.stringValue ?? "\(value)")"
            }.joined(separator: "; ")
            body += "<li>\(page.t(ConsoleText.historyCorrected(seq: .integer(correction.seq), time: .timestamp(correction.recordedAt), name: .text(Attribution.recordedBy(correction.entry.body) ?? correction.record.reviewer ?? "—"), reason: .text(correction.record.reason))))"
                + "<br><span class=\"note\">\(page.h(changes))</span></li>"
        }
        body += "</ol></section><p><a href=\"/console/origins\">\(page.t(ConsoleText.originsTitle))</a></p>"
        return .html(200, page.render(title: localizer.render(ConsoleText.originTitle(code: .text(code))), body))
    }

    /// A correction of the origin's registration, signed like `review`'s: the registration is
    /// never rewritten. Only the fields that differ are recorded. A farm or crop that would
    /// contradict lots already recorded under the code is refused (their labels would fail).
    func correctOrigin(form: [String: [String]], user: ConsoleUser, page: ConsolePage) throws -> ConsoleReply {
        let code = form.first("code") ?? ""
        let reason = (form.first("reason") ?? "").trimmingCharacters(in: .whitespaces)
        func refuse(_ message: Message) throws -> ConsoleReply {
            var reply = try originPage(code: code, page: page, notice: (false, page.t(ConsoleText.notRecorded(reason: .message(message)))))
            reply.status = 400
            return reply
        }
        let outcome: Result<Int, CorrectionProblem> = try writing { ledger in
            let snapshot = try LedgerSnapshot(reading: ledger)
            guard let (registration, current, _) = snapshot.currentOrigin(code: code) else { return .failure(.unknown) }
            // The code as the page showed it: a correction made since (or a new lot under the code)
            // refuses this one, which would otherwise undo it with every field the form re-sends.
            guard let seen = form.first("seen").flatMap({ Int($0) }), (0...Self.latestOriginSeq(code, in: snapshot)).contains(seen) else {
                return .failure(.outOfDate)
            }
            var changes: [String: JSONValue] = [:]
            for field in OriginRecord.correctableFields {
                guard let sent = form.first(field)?.trimmingCharacters(in: .whitespaces), !sent.isEmpty else { continue }
                if sent != Self.value(of: field, in: current) { changes[field] = .string(sent) }
            }
            guard !changes.isEmpty else { return .failure(.nothingChanged) }
            guard !reason.isEmpty else { return .failure(.noReason) }
            let changed = current.applying(changes).origin
            for registered in snapshot.lots(originCode: code) {
                // The lot as it stands (its own corrections applied).
                let lot = ((try? snapshot.lotState(code: registered.record.lotCode)) ?? nil)?.lot ?? registered.record
                if !changed.conflicts(farmID: lot.farmID, crop: lot.crop).isEmpty { return .failure(.contradictsLots(lot.lotCode)) }
            }
            let correction = CorrectionRecord(corrects: registration.seq, correctsLeafHash: registration.leafHashHex, reason: reason,
                                              reviewer: user.name, originCode: code, changes: changes)
            do {
                try ledger.append([.correction(correction)], signer: options.signer,
                                  decidedOn: DecisionBasis(key: IndexKey(IndexKeyName.originCode, code), latestSeq: seen), recordedBy: user.name)
            } catch LedgerError.changedMeanwhile(let seq, _) {
                return .failure(.changedMeanwhile(seq))
            } catch let error as EntryError {
                return .failure(.refused(page.localizer.describe(error)))
            } catch let error as LedgerError {
                return .failure(.refused(page.localizer.render(error.reasonForOneEntry)))
            }
            return .success(changes.count)
        }
        switch outcome {
        case .success(let count):
            return try originPage(code: code, page: page, notice: (true, page.t(ConsoleText.correctionRecorded(code: .text(code), count: count))))
        case .failure(.unknown): return notFound(page.localizer)
        case .failure(.nothingChanged): return try refuse(ConsoleText.nothingChanged)
        case .failure(.noReason): return try refuse(ConsoleText.reasonNeeded)
        case .failure(.contradictsLots(let lot)): return try refuse(ConsoleText.contradictsLots(lot: .text(lot)))
        case .failure(.refused(let text)): return try refuse(.verbatim(text))
        case .failure(.outOfDate): return try refuse(ConsoleText.pageOutOfDate)
        case .failure(.changedMeanwhile(let seq)): return try refuse(ConsoleText.changedMeanwhile(seq: seq))
        }
    }

    /// The latest entry carrying `code`'s index key (its registration and corrections, lots
    /// recorded under it): what an origin page's correction form was drawn from.
    static func latestOriginSeq(_ code: String, in snapshot: LedgerSnapshot) -> Int {
        let registration = snapshot.origin(code: code).map { [$0.seq] } ?? []
        let lots = snapshot.lots(originCode: code).map(\.seq)
        let corrections = snapshot.corrections.filter { $0.record.originCode == code }.map(\.seq)
        return (registration + lots + corrections).max() ?? 0
    }

    /// An origin's field by its name in the entry (`OriginRecord.correctableFields`).
    static func value(of field: String, in origin: OriginRecord) -> String? {
        switch field {
        case "farm_id": return origin.farmID
        case "farm_name": return origin.farmName
        case "crop": return origin.crop
        case "commune": return origin.commune
        case "district": return origin.district
        case "province": return origin.province
        default: return nil
        }
    }

    enum CorrectionProblem: Error {
        case unknown, nothingChanged, noReason, contradictsLots(String), refused(String), outOfDate, changedMeanwhile(Int)
    }
}

extension ConsoleSite {
    // MARK: - Checkpoint and witnesses

    /// Signs a checkpoint of the ledger and asks every configured witness to cosign it (C2SP
    /// tlog-witness, as `ledger checkpoint --witness`); the cosignatures that verify are stored
    /// with the checkpoint. Each witness's answer is shown: cosigned, refused (with its reason:
    /// a fork or rollback it saw is worth an alarm) or not reached (try again later).
    func checkpoint(page: ConsolePage) async throws -> ConsoleReply {
        let (stored, outcomes) = try await signCheckpointAskingWitnesses()
        var lines = [page.t(ConsoleText.checkpointSigned(size: stored.checkpoint.size))]
        for (endpoint, outcome) in zip(options.witnesses, outcomes) {
            let name = MessageArgument.text(endpoint.key.name)
            switch outcome {
            case .cosigned:
                lines.append(page.t(ConsoleText.witnessCosigned(name: name)))
            case .refused(let reason):
                lines.append(page.t(ConsoleText.witnessRefused(name: name, reason: .message(reason))))
            case .unreachable(let reason):
                lines.append(page.t(ConsoleText.witnessUnreachable(name: name, reason: .message(reason))))
            }
        }
        let all = outcomes.allSatisfy { if case .cosigned = $0 { true } else { false } }
        return try dashboard(page: page, notice: (all, lines.joined(separator: "<br>")))
    }

    /// Signs a checkpoint of the whole ledger and asks every configured witness to cosign it; the
    /// cosignatures are stored with it. The one way the console signs checkpoints, for the admin's
    /// action and for labels alike, so no checkpoint it hands out skips the witnesses.
    /// A tree signed before (nothing appended since) comes back with the cosignatures it has, and only
    /// the witnesses missing from it are asked (`WitnessClient.completeCosignatures`).
    func signCheckpointAskingWitnesses() async throws -> (StoredCheckpoint, [WitnessOutcome]) {
        let stored = try writing { ledger in try LotStatements.signCheckpoint(ledger: ledger, signer: options.signer).checkpoint }
        guard !options.witnesses.isEmpty else { return (stored, []) }
        let ledgerPath = options.ledgerPath
        let (outcomes, cosigned) = try await WitnessClient.completeCosignatures(
            of: stored.signedNote, witnesses: options.witnesses, timeoutSeconds: options.witnessTimeoutSeconds) { old, new in
            // A connection of its own: the client asks from its own tasks.
            try Ledger(provenanceAt: ledgerPath, readOnly: true).consistencyProof(oldSize: old, newSize: new)
        }
        guard let cosigned else { return (stored, outcomes) }
        return (try writing { ledger in try ledger.storeCosignedCheckpoint(cosigned.serialized) }, outcomes)
    }

    /// Whether the ledger holds entries that the newest checkpoint signed by this console's key
    /// does not cover: printing a label then needs a new checkpoint.
    func ledgerOutgrewCheckpoint() throws -> Bool {
        let ledger = try Ledger(provenanceAt: options.ledgerPath, readOnly: true)
        guard let latest = try ledger.latestCheckpoint(), LotProof.isSigned(latest, by: options.signer.verifier) else { return true }
        return latest.checkpoint.size < (try ledger.size())
    }

    /// Names of the configured witnesses whose cosignature on `signedNote` verifies.
    func witnessNames(cosigning signedNote: String) -> [String] {
        guard let note = try? SignedNote(parsing: signedNote) else { return [] }
        return options.witnesses.filter { witness in (try? note.verify(trusting: [witness.key]))?.isEmpty == false }.map(\.key.name)
    }
}
