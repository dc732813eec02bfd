/// Receives the pipeline's progress and per-photo results as they happen, on the thread that
/// called `BatchGrader.grade` (so implementations need no locking).
public protocol GradingObserver: AnyObject {
    /// A phase begins: `"hashing"` (photos of lots that may already be recorded) or `"grading"`.
    func begin(phase: String, total: Int)
    /// `done` of the phase's `total` photos are finished.
    func progress(done: Int)
    /// One photo's result: first the photos of lots recorded earlier, then the graded ones in
    /// upload order (lots in manifest order, photos within a lot too).
    func record(_ result: PhotoResult)
    func end(phase: String)
}
