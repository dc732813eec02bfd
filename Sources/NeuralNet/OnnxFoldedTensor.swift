/// A small tensor the ONNX importer computes from constants instead of running it: the shape
/// arithmetic exporters write around `x.view(x.size(0), -1)` and `F.pad` (Shape, Gather, Unsqueeze,
/// Concat, Slice, Transpose, Reshape, ...). Row-major values; for integers an element may be nil,
/// the batch size, which a model leaves open. Every result is checked against
/// `GraphLimits.maxFoldedElements` and `maxFoldedRank` before it is built.
struct FoldedTensor<Element: Equatable>: Equatable {
    private(set) var values: [Element]
    private(set) var dims: [Int]

    /// Why a fold is impossible, in words for the refusal.
    struct Failure: Error { var reason: String }

    init(values: [Element], dims: [Int]) throws(Failure) {
        try Self.check(dims)
        guard values.count == dims.reduce(1, *) else {
            throw Failure(reason: "\(values.count) values for dims \(dims)")
        }
        self.values = values
        self.dims = dims
    }

    /// Dims an ONNX file declares, checked before anything multiplies them.
    static func check<D: BinaryInteger>(_ dims: [D]) throws(Failure) {
        guard dims.count <= GraphLimits.maxFoldedRank else {
            throw Failure(reason: "rank \(dims.count) above the limit of \(GraphLimits.maxFoldedRank)")
        }
        // Zero dims are left out of the bound: a zero would otherwise hide the dims after it, whose
        // product a later step (a reshape copying or inferring dims) could still compute and overflow.
        var nonzeroProduct = 1
        for d in dims {
            guard d >= 0, d <= GraphLimits.maxFoldedElements else { throw Failure(reason: "dims \(dims) out of range") }
            guard d != 0 else { continue }
            nonzeroProduct *= Int(d)  // each factor is at most 2^12 and the running product too: no overflow
            guard nonzeroProduct <= GraphLimits.maxFoldedElements else {
                throw Failure(reason: "dims \(dims) hold more than \(GraphLimits.maxFoldedElements) values")
            }
        }
    }

    var rank: Int { dims.count }

    /// An ONNX axis (negative counts from the end) of a tensor of `rank`.
    static func axis(_ a: Int64, rank: Int) throws(Failure) -> Int {
        guard a >= -Int64(rank), a < Int64(rank) else { throw Failure(reason: "axis \(a) out of range for rank \(rank)") }
        return Int(a < 0 ? a + Int64(rank) : a)
    }

    /// Row-major strides of `dims`.
    private static func strides(_ dims: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: dims.count)
        for i in dims.indices.reversed().dropFirst() { strides[i] = strides[i + 1] * dims[i + 1] }
        return strides
    }

    /// The elements whose index along each output axis k is in `picks[k]`, an index of input axis
    /// `axes[k]` (the same axis when nil), in that order: Gather, Slice and Transpose alike.
    private func selecting(_ picks: [[Int]], axes: [Int]? = nil) throws(Failure) -> FoldedTensor {
        let outDims = picks.map(\.count)
        try Self.check(outDims)
        let inputStrides = Self.strides(dims)
        let strides = axes.map { $0.map { inputStrides[$0] } } ?? inputStrides
        var result: [Element] = []
        var index = [Int](repeating: 0, count: rank)
        let total = outDims.reduce(1, *)
        result.reserveCapacity(total)
        for _ in 0..<total {
            result.append(values[zip(index.indices, index).reduce(0) { $0 + picks[$1.0][$1.1] * strides[$1.0] }])
            var axis = rank - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < outDims[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        return try FoldedTensor(values: result, dims: outDims)
    }

    /// ONNX Gather: the slices at `indices` (negative count from the end) along `axis`.
    func gathering(_ indices: [Int64], indexDims: [Int], axis a: Int64) throws(Failure) -> FoldedTensor {
        guard rank >= 1 else { throw Failure(reason: "gathers from a scalar") }
        let axis = try Self.axis(a, rank: rank)
        let n = Int64(dims[axis])
        var picks: [Int] = []
        for i in indices {
            guard i >= -n, i < n else { throw Failure(reason: "index \(i) out of range for \(n) values") }
            picks.append(Int(i < 0 ? i + n : i))
        }
        var all = dims.map { Array(0..<$0) }
        all[axis] = picks
        let picked = try selecting(all)
        // The axis becomes the indices' dims (none for a scalar index).
        return try FoldedTensor(values: picked.values, dims: Array(dims[..<axis]) + indexDims + Array(dims[(axis + 1)...]))
    }

    /// ONNX Unsqueeze: 1s inserted at `axes` of the result.
    func unsqueezing(axes: [Int64]) throws(Failure) -> FoldedTensor {
        let outRank = rank + axes.count
        var positions: Set<Int> = []
        for a in axes {
            guard positions.insert(try Self.axis(a, rank: outRank)).inserted else { throw Failure(reason: "axis \(a) repeated") }
        }
        var source = dims.makeIterator()
        return try FoldedTensor(values: values, dims: (0..<outRank).map { positions.contains($0) ? 1 : source.next()! })
    }

    /// ONNX Squeeze: the 1s at `axes` removed (every 1 when nil).
    func squeezing(axes: [Int64]?) throws(Failure) -> FoldedTensor {
        var drop: Set<Int> = []
        for a in axes ?? dims.indices.filter({ dims[$0] == 1 }).map({ Int64($0) }) {
            let axis = try Self.axis(a, rank: rank)
            guard dims[axis] == 1 else { throw Failure(reason: "axis \(a) has \(dims[axis]) values, not 1") }
            drop.insert(axis)
        }
        return try FoldedTensor(values: values, dims: dims.indices.filter { !drop.contains($0) }.map { dims[$0] })
    }

    /// ONNX Concat of tensors of one rank along `axis`.
    static func concatenating(_ parts: [FoldedTensor], axis a: Int64) throws(Failure) -> FoldedTensor {
        guard let first = parts.first, first.rank >= 1 else { throw Failure(reason: "concatenates scalars") }
        let axis = try Self.axis(a, rank: first.rank)
        var outDims = first.dims
        outDims[axis] = 0
        for part in parts {
            guard part.rank == first.rank,
                  part.dims.indices.allSatisfy({ $0 == axis || part.dims[$0] == first.dims[$0] }) else {
                throw Failure(reason: "joins dims \(first.dims) and \(part.dims) along axis \(axis)")
            }
            outDims[axis] += part.dims[axis]
            try check(outDims)
        }
        let outer = first.dims[..<axis].reduce(1, *)
        var result: [Element] = []
        for o in 0..<outer {
            for part in parts {
                let block = part.dims[axis...].reduce(1, *)
                result += part.values[(o * block)..<((o + 1) * block)]
            }
        }
        return try FoldedTensor(values: result, dims: outDims)
    }

    /// ONNX Slice (opset 10 on, and the attribute form before): starts and ends clamped to each
    /// axis as ONNX defines, negative steps walking backwards.
    func slicing(starts: [Int64], ends: [Int64], axes: [Int64]?, steps: [Int64]?) throws(Failure) -> FoldedTensor {
        guard ends.count == starts.count, (axes?.count ?? starts.count) == starts.count, (steps?.count ?? starts.count) == starts.count else {
            throw Failure(reason: "\(starts.count) starts, \(ends.count) ends, \(axes?.count ?? starts.count) axes and "
                          + "\(steps?.count ?? starts.count) steps")
        }
        var picks = dims.map { Array(0..<$0) }
        var seen: Set<Int> = []
        for i in starts.indices {
            let axis = try Self.axis(axes?[i] ?? Int64(i), rank: rank)
            guard seen.insert(axis).inserted else { throw Failure(reason: "axis \(axis) sliced twice") }
            let step = steps?[i] ?? 1
            guard step != 0 else { throw Failure(reason: "step 0") }
            let n = Int64(dims[axis])
            // Negative positions count from the end; clamping before adding n cannot overflow.
            func clamp(_ v: Int64, _ low: Int64, _ high: Int64) -> Int64 { min(max(v < 0 ? max(v, -n - 1) + n : v, low), high) }
            picks[axis] = step > 0 ? stride(from: clamp(starts[i], 0, n), to: clamp(ends[i], 0, n), by: Int(step)).map { Int($0) }
                : stride(from: clamp(starts[i], 0, n - 1), to: clamp(ends[i], -1, n - 1), by: Int(step)).map { Int($0) }
        }
        return try selecting(picks)
    }

    /// ONNX Transpose (reversed axes when `perm` is nil).
    func transposing(perm: [Int64]?) throws(Failure) -> FoldedTensor {
        let order = perm.map { $0.map { Int(clamping: $0) } } ?? Array(dims.indices.reversed())
        guard order.sorted() == Array(dims.indices) else { throw Failure(reason: "perm \(order) for rank \(rank)") }
        return try selecting(order.map { Array(0..<dims[$0]) }, axes: order)
    }

    /// ONNX Reshape to `shape`: 0 copies the dim (unless `allowZero`), one −1 takes the rest.
    func reshaping(to shape: [Int64], allowZero: Bool) throws(Failure) -> FoldedTensor {
        try Self.check(shape.map { Swift.max($0, 0) })
        var outDims: [Int] = []
        var inferred: Int?
        for (i, d) in shape.enumerated() {
            switch d {
            case -1:
                guard inferred == nil else { throw Failure(reason: "two -1 in shape \(shape)") }
                inferred = i
                outDims.append(1)
            case 0 where !allowZero:
                guard i < rank else { throw Failure(reason: "shape \(shape) copies dim \(i) of dims \(dims)") }
                outDims.append(dims[i])
            case 0...:
                outDims.append(Int(d))
            default:
                throw Failure(reason: "shape \(shape) has a negative dim")
            }
        }
        try Self.check(outDims)  // copied dims and the -1 placeholder are bounded before any product
        if let i = inferred {
            let rest = outDims.reduce(1, *)
            guard rest > 0, values.count % rest == 0 else { throw Failure(reason: "cannot reshape dims \(dims) to \(shape)") }
            outDims[i] = values.count / rest
        }
        guard outDims.reduce(1, *) == values.count else { throw Failure(reason: "cannot reshape dims \(dims) to \(shape)") }
        return try FoldedTensor(values: values, dims: outDims)
    }
}
