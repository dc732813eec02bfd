import Localization
import Traceability

/// Every text of the console's pages, in one place so the catalogue (vi.po) is easy to keep whole.
/// Context "console" keeps short words apart from the same English words elsewhere.
enum ConsoleText {
    static let serverError = Message("The console could not answer this request. Try again; if it happens again, tell whoever runs the console what it says below.", context: "console")
    static let title = Message("Cooperative console", context: "console")
    static let signInTitle = Message("Sign in to the cooperative console", context: "console")
    static let userName = Message("User name", context: "console")
    static let password = Message("Password", context: "console")
    static let signIn = Message("Sign in", context: "console")
    static let signOut = Message("Sign out", context: "console")
    static let refused = Message("Wrong user name or password.", context: "console")
    static func locked(minutes: MessageArgument) -> Message { Message("Too many failed attempts: this account is locked for {minutes} minutes.", context: "console", ["minutes": minutes]) }
    static let signInBusy = Message("Too many sign-in attempts at once; try again shortly.", context: "console")
    static let csrfMissing = Message("This form has expired or did not come from this console. Reload the page and try again.", context: "console")
    static func notAllowed(role: MessageArgument, needed: MessageArgument) -> Message { Message("Your role ({role}) may not do this; ask a {needed}.", context: "console", ["role": role, "needed": needed]) }
    static let notFound = Message("No such page.", context: "console")
    static func signedInAs(name: MessageArgument, role: MessageArgument) -> Message { Message("Signed in as {name} ({role})", context: "console", ["name": name, "role": role]) }
    static let roleClerk = Message("clerk", context: "console role")
    static let roleReviewer = Message("reviewer", context: "console role")
    static let roleAdmin = Message("admin", context: "console role")

    static let uploadTitle = Message("Upload photos to grade", context: "console")
    static func uploadHelp(size: MessageArgument) -> Message { Message("A .zip file or a folder holding manifest.csv and the photos it lists, at most {size} in all. Grading continues on the server if you close this page.", context: "console", ["size": size]) }
    static let uploadFile = Message("Upload file (.zip)", context: "console")
    static let uploadFolder = Message("Or a folder of photos with its manifest.csv", context: "console")
    static let dropHere = Message("Drop a .zip file or a folder here, or choose one below.", context: "console")
    static func folderChosen(folder: MessageArgument, count: MessageArgument, size: MessageArgument) -> Message { Message("Chosen: {folder} (files: {count}, size: {size})", context: "console", ["folder": folder, "count": count, "size": size]) }
    static let nothingChosen = Message("Choose a .zip file or a folder first.", context: "console")
    static func folderMalformed(detail: MessageArgument) -> Message { Message("The upload was cut off or is not what this page sends ({detail}); nothing was recorded.", context: "console", ["detail": detail]) }
    static let registerOrigins = Message("Register origin codes that are new, from the manifest", context: "console")
    static let uploadButton = Message("Upload and grade", context: "console")
    static func uploadTooLarge(size: MessageArgument) -> Message { Message("The upload is larger than the limit of {size}; nothing was recorded.", context: "console", ["size": size]) }
    static func queueFull(upload: MessageArgument, count: Int) -> Message {
        Message("{upload} was not accepted: {n} upload is already waiting or being graded, the most this console takes. Send it again once it has finished; nothing of it was recorded or kept.",
                plural: "{upload} was not accepted: {n} uploads are already waiting or being graded, the most this console takes. Send it again once one has finished; nothing of it was recorded or kept.",
                count: count, context: "console", ["upload": upload])
    }
    static let uploadEmpty = Message("The upload is empty.", context: "console")
    /// The name of an upload of photos not all in one folder.
    static let unnamedFolder = Message("chosen photos", context: "console")
    static func tooManyLabels(chosen: Int, max: Int) -> Message {
        Message("No labels were made: {chosen} were chosen, and at most {max} are made at once. Choose fewer and print the rest next.",
                context: "console", ["chosen": .integer(chosen), "max": .integer(max)])
    }
    static let uploadNotAnswered = Message("The console did not take the upload; your session may have ended. Reload the page, sign in again if asked, and send it again.", context: "console")
    static let uploadNotSent = Message("The upload could not be sent: the connection to the console failed. Check the connection and send it again.", context: "console")
    static func unknownLabelChoice(value: MessageArgument) -> Message {
        Message("No labels were made: \"{value}\" is not a label size or file format this console offers. Choose one from the form.", context: "console", ["value": value])
    }
    static let uploadCutOff = Message("The upload stopped before all of it arrived; nothing of it was kept or recorded. Send it again.", context: "console")
    static func uploadNotStored(reason: MessageArgument) -> Message {
        Message("The console could not store the upload in its work folder ({reason}); nothing of it was kept or recorded. Tell whoever runs the console.", context: "console", ["reason": reason])
    }
    static let needsScript = Message("Uploading needs JavaScript in this browser.", context: "console")

    static let jobsTitle = Message("Grading jobs", context: "console")
    static func jobTitle(upload: MessageArgument) -> Message { Message("Grading {upload}", context: "console", ["upload": upload]) }
    static func jobBy(name: MessageArgument, time: MessageArgument) -> Message { Message("Started by {name} at {time}", context: "console", ["name": name, "time": time]) }
    static let stateQueued = Message("Waiting for the grader", context: "console")
    static func stateRunning(done: MessageArgument, total: MessageArgument) -> Message { Message("Grading: {done} of {total} photos", context: "console", ["done": done, "total": total]) }
    static func stateHashing(done: MessageArgument, total: MessageArgument) -> Message { Message("Checking photos already recorded: {done} of {total}", context: "console", ["done": done, "total": total]) }
    static func stateFinished(lots: Int, held: MessageArgument, already: MessageArgument) -> Message {
        Message("Finished: {n} lot recorded, {held} held for review, {already} already recorded earlier.",
                plural: "Finished: {n} lots recorded, {held} held for review, {already} already recorded earlier.",
                count: lots, context: "console", ["held": held, "already": already])
    }
    static func photosUnreadable(count: Int) -> Message {
        Message("Needs attention: {n} photo could not be read and was recorded as rejected-unreadable.",
                plural: "Needs attention: {n} photos could not be read and were recorded as rejected-unreadable.", count: count, context: "console")
    }
    static func lotsRefused(count: Int) -> Message {
        Message("Needs attention: {n} lot was not recorded (refused by the ledger's rules; see below).",
                plural: "Needs attention: {n} lots were not recorded (refused by the ledger's rules; see below).", count: count, context: "console")
    }
    static let refusedLotsTitle = Message("Lots not recorded", context: "console")
    static func refusedLot(lot: MessageArgument, reason: MessageArgument) -> Message {
        Message("lot {lot}: {reason}", context: "console", ["lot": lot, "reason": reason])
    }
    static let unreadableTitle = Message("Unreadable photos (recorded as rejected-unreadable)", context: "console")
    static func unreadablePhoto(file: MessageArgument, lot: MessageArgument, reason: MessageArgument) -> Message {
        // The words `agritrace grade` uses for the same list.
        Message("{file} (lot {lot}): {reason}", ["file": file, "lot": lot, "reason": reason])
    }
    /// In the lots table, under the grade.
    static func photosUnreadableShort(count: Int) -> Message {
        Message("{n} photo unreadable", plural: "{n} photos unreadable", count: count, context: "console")
    }
    static let stateRefused = Message("Nothing was recorded: the upload has these problems. Correct them all and upload again.", context: "console")
    static func stateFailed(reason: MessageArgument) -> Message { Message("Grading stopped: {reason}", context: "console", ["reason": reason]) }
    static let noJobs = Message("No uploads yet.", context: "console")

    static let lotsTitle = Message("Lots", context: "console")
    static let noLots = Message("No lots recorded yet.", context: "console")
    static let lot = Message("Lot", context: "console")
    static let farm = Message("Farm", context: "console")
    static let harvest = Message("Harvest", context: "console")
    static let grade = Message("Grade", context: "console")
    static let held = Message("Held for review", context: "console")
    static let notGraded = Message("Not graded", context: "console")
    static let recordedBy = Message("Recorded by", context: "console")
    static let review = Message("Review", context: "console")
    static let photos = Message("Photos", context: "console")
    static let labelsButton = Message("Print labels for the chosen lots", context: "console")
    static let labelSize = Message("Label stock", context: "console")
    static let labelFormat = Message("Print as", context: "console")
    static let labelFormatPDF = Message("PDF, one page per label", context: "console")
    static let labelFormatPNG = Message("PNG, all labels on one picture", context: "console")
    static let noLotsChosen = Message("Choose at least one lot.", context: "console")

    static func reviewTitle(lot: MessageArgument) -> Message { Message("Review lot {lot}", context: "console", ["lot": lot]) }
    static func suggested(grade: MessageArgument) -> Message { Message("Suggested grade: {grade}", context: "console", ["grade": grade]) }
    static let accept = Message("Accept the suggested grade", context: "console")
    static let changeGrade = Message("Change the grade to", context: "console")
    static let reason = Message("Reason", context: "console")
    static let record = Message("Record decision", context: "console")
    static func reviewRecorded(lot: MessageArgument, grade: MessageArgument) -> Message { Message("Recorded: lot {lot} now stands at {grade}.", context: "console", ["lot": lot, "grade": grade]) }
    static let reviewNothing = Message("Nothing recorded: the lot already stands so.", context: "console")
    static let chooseDecision = Message("choose to accept the suggested grade or to set another grade", context: "console")
    static func changedMeanwhile(seq: Int) -> Message {
        Message("entry #{seq} about this was recorded after this page was shown; open the page again and decide on what it shows now", context: "console", ["seq": .text(String(seq))])
    }
    static let pageOutOfDate = Message("this page is out of date or incomplete; open it again", context: "console")
    static func notRecorded(reason: MessageArgument) -> Message { Message("Not recorded: {reason}", context: "console", ["reason": reason]) }
    /// The review form's inputs as its refusals name them (by the form's own labels).
    static let reviewInputs = LotReviewInputs(
        reason: Message("the field “{field}”", context: "console", ["field": .message(reason)]),
        reviewer: Message("your account's name", context: "console"),
        grade: Message("the choice “{choice}”", context: "console", ["choice": .message(changeGrade)]),
        setGrade: Message("choose “{choice}”, a grade, and write the “{field}”", context: "console",
                          ["choice": .message(changeGrade), "field": .message(reason)]))

    static let originsTitle = Message("Origin codes", context: "console")
    static let originCode = Message("Origin code", context: "console")
    static let farmID = Message("Farm id", context: "console")
    static let farmName = Message("Farm name", context: "console")
    static let crop = Message("Crop", context: "console")
    static let province = Message("Province", context: "console")
    static let registerOrigin = Message("Register origin code", context: "console")
    static func originRecorded(code: MessageArgument) -> Message { Message("Registered origin code {code}.", context: "console", ["code": code]) }
    static func originRefused(reason: MessageArgument) -> Message { Message("Not registered: {reason}", context: "console", ["reason": reason]) }

    static func originTitle(code: MessageArgument) -> Message { Message("Origin code {code}", context: "console", ["code": code]) }
    static func corrected(count: Int) -> Message { Message("corrected once", plural: "corrected {n} times", count: count, context: "console") }
    static func originField(_ field: String) -> Message {
        switch field {
        case "farm_id": return farmID
        case "farm_name": return farmName
        case "crop": return crop
        case "commune": return Message("Commune", context: "console")
        case "district": return Message("District", context: "console")
        case "province": return province
        default: return .verbatim(field)
        }
    }
    static let correctOrigin = Message("Correct this origin code", context: "console")
    static let correctOriginHelp = Message("The registration stays as it was signed; a signed correction records what changes, who changed it and why. Fields left empty stay as they are.", context: "console")
    static let recordCorrection = Message("Record correction", context: "console")
    static let history = Message("History", context: "console")
    static func historyRegistered(seq: MessageArgument, time: MessageArgument, name: MessageArgument) -> Message { Message("Entry #{seq}, {time}: registered by {name}", context: "console", ["seq": seq, "time": time, "name": name]) }
    static func historyCorrected(seq: MessageArgument, time: MessageArgument, name: MessageArgument, reason: MessageArgument) -> Message { Message("Entry #{seq}, {time}: corrected by {name} ({reason})", context: "console", ["seq": seq, "time": time, "name": name, "reason": reason]) }
    static func correctionRecorded(code: MessageArgument, count: Int) -> Message { Message("Recorded a correction of {code}: {n} field changed.", plural: "Recorded a correction of {code}: {n} fields changed.", count: count, context: "console", ["code": code]) }
    static let nothingChanged = Message("nothing differs from the origin code as it stands.", context: "console")
    static let reasonNeeded = Message("give the reason for the correction.", context: "console")
    static func contradictsLots(lot: MessageArgument) -> Message { Message("lot {lot} is recorded under this code for another farm or crop; correct the lot first.", context: "console", ["lot": lot]) }
    static let checkpointTitle = Message("Checkpoint", context: "console")
    static let checkpointButton = Message("Sign a checkpoint of the ledger now", context: "console")
    static func checkpointSigned(size: Int) -> Message {
        Message("Signed a checkpoint of {n} entry.", plural: "Signed a checkpoint of {n} entries.", count: size, context: "console")
    }
    static func latestCheckpoint(size: MessageArgument) -> Message { Message("Latest checkpoint: {size} entries.", context: "console", ["size": size]) }
    static func cosignedBy(names: MessageArgument) -> Message { Message("Cosigned by {names}.", context: "console", ["names": names]) }
    static let noWitnesses = Message("No witnesses are configured (serve --witness URL --witness-vkey FILE): checkpoints are signed by the cooperative alone.", context: "console")
    static let witnessesAsked = Message("Each checkpoint signed here is sent to these witnesses to cosign:", context: "console")
    static func witnessCosigned(name: MessageArgument) -> Message { Message("Witness {name}: cosigned.", context: "console", ["name": name]) }
    static func witnessRefused(name: MessageArgument, reason: MessageArgument) -> Message { Message("Witness {name} REFUSED to cosign: {reason}", context: "console", ["name": name, "reason": reason]) }
    static func witnessUnreachable(name: MessageArgument, reason: MessageArgument) -> Message { Message("Witness {name} was not reached ({reason}); sign a checkpoint again later.", context: "console", ["name": name, "reason": reason]) }
    static let back = Message("Back to the console", context: "console")
    static let language = Message("Tiếng Việt", context: "console other language")
}
