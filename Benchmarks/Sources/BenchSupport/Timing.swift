import Foundation

/// Keeps the optimiser from hoisting a pure computation out of a timing loop or deleting it:
/// route one argument of every timed call through `opaque` and its result into `blackHole`.
@inline(never) @_optimize(none)
public func opaque<T>(_ value: T) -> T { value }

@inline(never) @_optimize(none)
public func blackHole<T>(_ value: T) { _ = value }

/// Monotonic wall-clock seconds.
public func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Runs `body` repeatedly for at least `minSeconds` (and `minRuns` times) and returns the best
/// per-run time in seconds: the minimum is the least disturbed by other work on the machine.
public func bestTime(minRuns: Int = 3, minSeconds: Double = 1.0, _ body: () throws -> Void) rethrows -> Double {
    var best = Double.infinity
    var runs = 0
    let start = now()
    while runs < minRuns || now() - start < minSeconds {
        let t0 = now()
        try body()
        best = min(best, now() - t0)
        runs += 1
    }
    return best
}
