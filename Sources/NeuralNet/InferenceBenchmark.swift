import Deterministic
import Kernels

/// Times batched inference of a model on seeded random input: a warm-up run, then timed runs
/// until at least `minimumSeconds` have passed (and at least three), reporting the median.
/// `agritrace model bench` prints it; the nested Benchmarks package can call the same code.
public struct InferenceBenchmark: Sendable {
    public var batch: Int
    public var threads: Int
    public var minimumSeconds: Double

    public init(batch: Int, threads: Int, minimumSeconds: Double) {
        precondition(batch >= 1 && threads >= 1 && minimumSeconds > 0, "the benchmark needs a positive batch, thread count and time")
        self.batch = batch
        self.threads = threads
        self.minimumSeconds = minimumSeconds
    }

    /// What one benchmark measured; the JSON keys are those `model bench --json` prints.
    public struct Timing: Codable, Sendable, Equatable {
        public var model: String
        public var batch: Int
        public var threads: Int
        public var runs: Int
        public var kernels: String
        public var latencyMilliseconds: Double
        public var bestLatencyMilliseconds: Double
        public var imagesPerSecond: Double
        public var gflops: Double

        enum CodingKeys: String, CodingKey {
            case model, batch, threads, runs, kernels, gflops
            case latencyMilliseconds = "latency_ms", bestLatencyMilliseconds = "best_latency_ms"
            case imagesPerSecond = "images_per_second"
        }
    }

    public func run(_ model: Model) throws -> Timing {
        let network = try Network(model: model)
        var random = SeededRandom(seed: 1)
        let inputs = (0..<(batch * model.inputShape.elementCount)).map { _ in random.uniform(-1, 1) }
        var outputs = [Float](repeating: 0, count: batch * network.outputShape.elementCount)
        let workspaces = (0..<threads).map { _ in network.makeWorkspace() }
        let once = {
            inputs.withUnsafeBufferPointer { i in
                outputs.withUnsafeMutableBufferPointer { o in
                    network.run(batch: i.baseAddress!, count: batch, outputs: o.baseAddress!, workspaces: workspaces)
                }
            }
        }
        let clock = ContinuousClock()
        once()
        var times: [Double] = []
        let start = clock.now
        while times.count < 3 || (clock.now - start).seconds < minimumSeconds {
            times.append(clock.measure(once).seconds)
        }
        times.sort()
        let median = times[times.count / 2]
        let macs = try model.graph.multiplyAccumulates()
        return Timing(model: model.id, batch: batch, threads: threads, runs: times.count, kernels: KernelISA.active.rawValue,
                      latencyMilliseconds: median * 1000, bestLatencyMilliseconds: times[0] * 1000,
                      imagesPerSecond: Double(batch) / median, gflops: 2 * Double(macs) * Double(batch) / median / 1e9)
    }
}

extension Duration {
    fileprivate var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}
