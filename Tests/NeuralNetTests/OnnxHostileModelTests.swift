import Foundation
import Testing
import NeuralNet
import TestSupport

/// Crafted and mutated ONNX files: the importer must either produce a graph the engine can run
/// or throw `OnnxImportError`, never trap.
@Suite struct OnnxHostileModelTests {
    /// Imports `bytes`; on success also builds the fast network and runs one image through it.
    func importAndRun(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> OnnxImportError? {
        do {
            let graph = try OnnxImporter.importGraph(bytes: bytes, fileName: "crafted.onnx")
            let network = try Network(graph: graph)
            let output = network.run([Float](repeating: 0.5, count: network.inputShape.elementCount))
            #expect(output.count == network.outputShape.elementCount, sourceLocation: sourceLocation)
            return nil
        } catch let error as OnnxImportError {
            #expect(error.description.hasPrefix("crafted.onnx: "), sourceLocation: sourceLocation)
            return error
        } catch {
            Issue.record("not an OnnxImportError: \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    /// Node names and operator types come from the file: a refusal quotes them short, with control
    /// characters replaced, so a newline cannot start a fake line of output.
    @Test func refusalsQuoteNodeNamesWithoutControlCharacters() {
        var writer = OnnxWriter.convolution(attributes: [])
        let name = "g\nVERIFIED: all good\u{1B}[2J" + String(repeating: "x", count: 500)
        writer.nodes.insert(OnnxWriter.Node(op: "Erf\r", inputs: ["c"], outputs: [name]), at: 1)
        writer.nodes[2].inputs[0] = name
        guard let error = importAndRun(writer.bytes()) else { Issue.record("imported"); return }
        let text = error.description
        #expect(!text.contains("\n") && !text.contains("\r") && !text.contains("\u{1B}"), "\(text)")
        #expect(text.contains("'g\u{FFFD}VERIFIED: all good\u{FFFD}[2J") && text.utf8.count < 400, "\(text)")
    }

    @Test func theCraftedBaselineImportsAndRuns() {
        let base = OnnxWriter.convolution(attributes: [("strides", .ints([2, 2])), ("pads", .ints([1, 1, 1, 1]))])
        #expect(importAndRun(base.bytes()) == nil)
        let same = OnnxWriter.convolution(attributes: [("strides", .ints([2, 2])), ("auto_pad", .string("SAME_UPPER"))])
        #expect(importAndRun(same.bytes()) == nil)
    }

    static let huge = Int64(1) << 40

    /// Each crafted model and a word its refusal must contain.
    static let crafted: [(String, OnnxWriter, String)] = {
        typealias W = OnnxWriter
        var cases: [(String, OnnxWriter, String)] = [
            ("stride 0 with SAME padding", W.convolution(attributes: [("strides", .ints([0, 0])), ("auto_pad", .string("SAME_UPPER"))]), "strides"),
            ("stride 0", W.convolution(attributes: [("strides", .ints([0, 1]))]), "strides"),
            ("stride Int64.max with SAME padding", W.convolution(attributes: [("strides", .ints([.max, .max])), ("auto_pad", .string("SAME_LOWER"))]), "strides"),
            ("negative stride", W.convolution(attributes: [("strides", .ints([-1, -1]))]), "strides"),
            ("negative pads", W.convolution(attributes: [("pads", .ints([-1, 0, 0, 0]))]), "pads"),
            ("huge pads", W.convolution(attributes: [("pads", .ints([.max, .max, .max, .max]))]), "pads"),
            ("three pads", W.convolution(attributes: [("pads", .ints([1, 1, 1]))]), "pads"),
            ("dilations 2", W.convolution(attributes: [("dilations", .ints([2, 2]))]), "dilations"),
            ("dilations 0", W.convolution(attributes: [("dilations", .ints([0, 0]))]), "dilations"),
            ("group 0", W.convolution(attributes: [("group", .int(0))]), "group"),
            ("group -3", W.convolution(attributes: [("group", .int(-3))]), "group"),
            ("group Int64.max", W.convolution(attributes: [("group", .int(.max))]), "group"),
            ("group 3 with full weights", W.convolution(attributes: [("group", .int(3))]), "group"),
            ("kernel_shape 0", W.convolution(attributes: [("kernel_shape", .ints([0, 0]))], weightDims: [4, 3, 0, 0], weights: []), "kernel_shape"),
            ("kernel_shape beyond the weights", W.convolution(attributes: [("kernel_shape", .ints([5, 5]))]), "kernel_shape"),
            ("missing weights", W.convolution(attributes: [], convInputs: ["x"]), "input 2 is missing"),
            ("empty weights name", W.convolution(attributes: [], convInputs: ["x", ""]), "input 2 is missing"),
            ("no inputs at all", W.convolution(attributes: [], convInputs: []), "input 1 is missing"),
            ("weights with huge dims", W.convolution(attributes: [], weightDims: [huge, huge, 3, 3], weights: []), "dims"),
            ("weights with an overflowing dims product", W.convolution(attributes: [], weightDims: [.max, 2, 3, 3], weights: []), "dims"),
            ("weights with negative dims", W.convolution(attributes: [], weightDims: [-4, -3, 3, 3], weights: Array(repeating: 0, count: 108)), "dims"),
            ("fewer weights than dims", W.convolution(attributes: [], weights: [1, 2, 3]), "values for dims"),
        ]
        var add = W.convolution(attributes: [])
        add.nodes.insert(W.Node(op: "Add", inputs: ["c"], outputs: ["c2"]), at: 1)
        add.nodes[2].inputs = ["c2"]
        cases.append(("Add with one input", add, "input 2 is missing"))
        var norm = W.convolution(attributes: [])
        norm.nodes.insert(W.Node(op: "BatchNormalization", inputs: ["c", "b"], outputs: ["c2"]), at: 1)
        norm.nodes[2].inputs = ["c2"]
        cases.append(("BatchNormalization with two inputs", norm, "input 3 is missing"))
        var gemm = W.convolution(attributes: [])
        gemm.initializers.append(.init(name: "m", dims: [-1, -1], floats: [1]))
        gemm.nodes.append(W.Node(op: "Gemm", inputs: ["y"], outputs: ["z"]))
        gemm.output = "z"
        cases.append(("Gemm without B", gemm, "input 2 is missing"))
        gemm.nodes[3].inputs = ["y", "m"]
        cases.append(("Gemm with negative dims", gemm, "dims"))
        for (name, attributes) in [("MaxPool stride 0 with SAME padding", [("kernel_shape", W.AttributeValue.ints([2, 2])), ("strides", .ints([0, 0])), ("auto_pad", .string("SAME_UPPER"))]),
                                   ("MaxPool kernel Int64.min", [("kernel_shape", .ints([.min, .min]))]),
                                   ("MaxPool without kernel_shape", [])] {
            var pool = W.convolution(attributes: [])
            pool.nodes.insert(W.Node(op: "MaxPool", inputs: ["c"], outputs: ["p"], attributes: attributes), at: 1)
            pool.nodes[2].inputs = ["p"]
            cases.append((name, pool, name.contains("stride") ? "strides" : "kernel_shape"))
        }
        for opset: Int64 in [1, 6, 22, 1 << 40] {
            var old = W.convolution(attributes: [])
            old.opset = opset
            cases.append(("opset \(opset)", old, "opset \(opset) is not supported"))
        }
        var external = W.convolution(attributes: [])
        external.initializers[0].floats = []
        external.initializers[0].external = true
        cases.append(("weights as external data", external, "external data"))
        // The engine feeds float32 pixels; a uint8 or float16 input (its Cast dropped) would see other values.
        for (type, name) in [(UInt64(2), "UINT8"), (10, "FLOAT16"), (11, "DOUBLE"), (7, "INT64"), (99, "type 99")] {
            var typed = W.convolution(attributes: [])
            typed.inputElementType = type
            cases.append(("\(name) input", typed, "holds \(name) values; only float32"))
        }
        var untyped = W.convolution(attributes: [])
        untyped.inputElementType = nil
        cases.append(("input without an element type", untyped, "declares no element type"))
        // Shape arithmetic and Pad: every index, axis and count is untrusted.
        func shapeChain(_ extra: [W.Initializer], _ nodes: [W.Node], reading output: String) -> OnnxWriter {
            var writer = W.convolution(attributes: [])
            writer.initializers += extra
            writer.nodes.insert(contentsOf: nodes, at: 1)
            writer.nodes.append(W.Node(op: "Reshape", inputs: ["c", output], outputs: ["z"]))
            writer.output = "z"
            return writer
        }
        let shape = W.Node(op: "Shape", inputs: ["c"], outputs: ["s"])
        for (index, reason) in [(Int64(4), "index 4 out of range for 4 values"), (-5, "index -5 out of range"), (.min, "out of range"),
                                (.max, "out of range")] {
            cases.append(("Gather index \(index)", shapeChain([.int64("i", dims: [1], [index])],
                                                            [shape, W.Node(op: "Gather", inputs: ["s", "i"], outputs: ["t"])], reading: "t"), reason))
        }
        cases.append(("Gather axis 3 of a vector", shapeChain([.int64("i", dims: [1], [0])],
                                                              [shape, W.Node(op: "Gather", inputs: ["s", "i"], outputs: ["t"], attributes: [("axis", .int(3))])],
                                                              reading: "t"), "axis 3 out of range"))
        cases.append(("ConstantOfShape 2^40 values", shapeChain([.int64("d", dims: [1], [huge])],
                                                                [W.Node(op: "ConstantOfShape", inputs: ["d"], outputs: ["t"])], reading: "t"), "out of range"))
        cases.append(("ConstantOfShape 64 x 64 x 2 values", shapeChain([.int64("d", dims: [3], [64, 64, 2])],
                                                                       [W.Node(op: "ConstantOfShape", inputs: ["d"], outputs: ["t"])], reading: "t"),
                      "hold more than 4096 values"))
        cases.append(("ConstantOfShape of negative dims", shapeChain([.int64("d", dims: [2], [-1, -1])],
                                                                     [W.Node(op: "ConstantOfShape", inputs: ["d"], outputs: ["t"])], reading: "t"), "out of range"))
        cases.append(("Unsqueeze axis 9", shapeChain([.int64("a", dims: [1], [9])],
                                                     [shape, W.Node(op: "Unsqueeze", inputs: ["s", "a"], outputs: ["t"])], reading: "t"), "axis 9 out of range"))
        cases.append(("Unsqueeze past rank 8", shapeChain([.int64("a", dims: [8], Array(0..<8))],
                                                          [shape, W.Node(op: "Unsqueeze", inputs: ["s", "a"], outputs: ["t"])], reading: "t"), "rank 9"))
        cases.append(("Slice step 0", shapeChain([.int64("begin", dims: [1], [0]), .int64("e", dims: [1], [4]), .int64("a", dims: [1], [0]),
                                                  .int64("st", dims: [1], [0])],
                                                 [shape, W.Node(op: "Slice", inputs: ["s", "begin", "e", "a", "st"], outputs: ["t"])], reading: "t"), "step 0"))
        cases.append(("Slice of extreme bounds", shapeChain([.int64("begin", dims: [1], [.max]), .int64("e", dims: [1], [.min]), .int64("a", dims: [1], [0]),
                                                             .int64("st", dims: [1], [.min])],
                                                            [shape, W.Node(op: "Slice", inputs: ["s", "begin", "e", "a", "st"], outputs: ["t"])], reading: "t"),
                      "only reshapes to [batch, 144]"))
        cases.append(("Transpose perm [0, 0]", shapeChain([], [shape, W.Node(op: "Transpose", inputs: ["s"], outputs: ["t"], attributes: [("perm", .ints([0, 0]))])],
                                                          reading: "t"), "perm [0, 0]"))
        cases.append(("Reshape of shapes to 2^40 x -1", shapeChain([.int64("d", dims: [2], [huge, -1])],
                                                                   [shape, W.Node(op: "Reshape", inputs: ["s", "d"], outputs: ["t"])], reading: "t"), "out of range"))
        // A -1 or a copied 0 must not hide the dims after it from the size limit (their product overflowed Int).
        cases.append(("Reshape of shapes to -1 x 4096^6", shapeChain([.int64("d", dims: [7], [-1] + Array(repeating: 4096, count: 6))],
                                                                     [shape, W.Node(op: "Reshape", inputs: ["s", "d"], outputs: ["t"])], reading: "t"),
                      "hold more than 4096 values"))
        cases.append(("Reshape of shapes to 0 x 4096^6", shapeChain([.int64("d", dims: [7], [0] + Array(repeating: 4096, count: 6))],
                                                                    [shape, W.Node(op: "Reshape", inputs: ["s", "d"], outputs: ["t"])], reading: "t"),
                      "hold more than 4096 values"))
        cases.append(("ConstantOfShape 0 x 4096^6", shapeChain([.int64("d", dims: [7], [0] + Array(repeating: 4096, count: 6))],
                                                               [W.Node(op: "ConstantOfShape", inputs: ["d"], outputs: ["t"])], reading: "t"),
                      "hold more than 4096 values"))
        cases.append(("Reshape of shapes with two -1", shapeChain([.int64("d", dims: [2], [-1, -1])],
                                                                  [shape, W.Node(op: "Reshape", inputs: ["s", "d"], outputs: ["t"])], reading: "t"), "two -1"))
        cases.append(("Concat of ranks 1 and 0", shapeChain([.int64("i", dims: [], [0])],
                                                            [shape, W.Node(op: "Concat", inputs: ["s", "i"], outputs: ["t"], attributes: [("axis", .int(0))])],
                                                            reading: "t"), "joins dims"))
        cases.append(("int64 constant of dims 2^40", shapeChain([.int64("d", dims: [huge], [1, -1])], [], reading: "d"), "out of range"))
        var padded = W.convolution(attributes: [("pads", .ints([40, 40, 40, 40]))])
        padded.initializers.append(.int64("pads", dims: [8], [0, 0, 30, 30, 0, 0, 30, 30]))
        padded.nodes.insert(W.Node(op: "Pad", inputs: ["x", "pads"], outputs: ["p"]), at: 0)
        padded.nodes[1].inputs[0] = "p"
        cases.append(("Pad and convolution padding together 64 or more", padded, "with the Pad before it"))
        padded.initializers[2] = .int64("pads", dims: [8], [0, 0, .max, .min, 0, 0, .max, .max])
        cases.append(("Pad of Int64 extremes", padded, "pads"))
        // A name defined twice (ONNX names each value once) is refused, not silently taken as one or the other.
        var twice = W.convolution(attributes: [])
        twice.nodes.insert(W.Node(op: "Shape", inputs: ["x"], outputs: ["x"]), at: 0)
        cases.append(("image input redefined as its shape", twice, "'x' is defined twice"))
        var again = W.convolution(attributes: [])
        again.nodes.insert(W.Node(op: "Relu", inputs: ["c"], outputs: ["c"]), at: 1)
        cases.append(("a node output redefined", again, "'c' is defined twice"))
        var tall = W.convolution(attributes: [])
        tall.input.1 = [1, 3, huge, 8]
        cases.append(("input height 2^40", tall, "size limits"))
        tall.input.1 = [1, 3, 1 << 62, 1 << 62]
        cases.append(("input 2^62 x 2^62", tall, "size limits"))
        tall.input.1 = [1, 1 << 40, 16, 16]
        cases.append(("input with 2^40 channels", tall, "size limits"))
        return cases
    }()

    @Test(arguments: crafted.indices)
    func craftedModelsAreRefusedWithTheReason(index: Int) {
        let (name, writer, reason) = Self.crafted[index]
        let error = importAndRun(writer.bytes())
        #expect(error != nil, "\(name) was imported")
        #expect(error?.reason.contains(reason) == true, "\(name): \(error.map(\.reason) ?? "")")
    }

    /// Random attribute values (extremes included) for a convolution followed by a pooling window (ceil_mode too).
    @Test func randomWindowAttributesImportOrThrow() {
        var generator = SeededGenerator(seed: 13)
        let values: [Int64] = [.min, -1, 0, 1, 2, 3, 5, 63, 64, 65, 1 << 31, .max]
        func pick(_ n: Int) -> [Int64] { (0..<n).map { _ in values.randomElement(using: &generator)! } }
        var imported = 0
        for _ in 0..<600 {
            var attributes: [(String, OnnxWriter.AttributeValue)] = []
            if Bool.random(using: &generator) { attributes.append(("strides", .ints(pick(Int.random(in: 1...3, using: &generator))))) }
            if Bool.random(using: &generator) { attributes.append(("pads", .ints(pick(4)))) }
            if Bool.random(using: &generator) { attributes.append(("dilations", .ints(pick(2)))) }
            if Bool.random(using: &generator) { attributes.append(("group", .int(pick(1)[0]))) }
            if Bool.random(using: &generator) { attributes.append(("auto_pad", .string(["SAME_UPPER", "SAME_LOWER", "VALID", "NOTSET"].randomElement(using: &generator)!))) }
            var writer = OnnxWriter.convolution(attributes: attributes)
            let pool: [(String, OnnxWriter.AttributeValue)] = [("kernel_shape", .ints(pick(2))), ("strides", .ints(pick(2))),
                                                               ("pads", .ints(pick(4))), ("ceil_mode", .int(pick(1)[0]))]
            writer.nodes.insert(.init(op: Bool.random(using: &generator) ? "MaxPool" : "AveragePool", inputs: ["c"], outputs: ["p"],
                                      attributes: pool.filter { _ in Bool.random(using: &generator) }), at: 1)
            writer.nodes[2].inputs = ["p"]
            if importAndRun(writer.bytes()) == nil { imported += 1 }
        }
        #expect(imported > 0, "no random model imported: the test would not exercise the engine")
    }

    /// Byte-level mutations of the committed fixtures: flips, extreme bytes, cuts and insertions.
    @Test(arguments: ["plain_cnn", "mobile_block", "unsupported", "silu_fire", "se_block_opset18", "tutorial_opset13", "tutorial_dynamo"])
    func mutatedFixturesImportOrThrow(name: String) throws {
        let original = [UInt8](try FixtureFiles.data("onnx/\(name).onnx"))
        var generator = SeededGenerator(seed: UInt64(name.utf8.count))
        for _ in 0..<400 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let at = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<4, using: &generator) {
                case 0: bytes[at] ^= 1 << UInt8.random(in: 0...7, using: &generator)
                case 1: bytes[at] = [0x00, 0x01, 0x7F, 0x80, 0xFF].randomElement(using: &generator)!
                case 2: bytes.insert(contentsOf: [0xFF, 0xFF, 0xFF, 0xFF, 0x0F], at: at)
                default: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...16, using: &generator)))
                }
                if bytes.isEmpty { bytes = [0] }
            }
            _ = importAndRun(bytes)
        }
    }

    /// A workspace belongs to its network. Here the foreign workspace is larger than needed, so
    /// before the check this ran "fine" on buffers planned for another graph (and the converse case
    /// wrote past the buffers); now both stop the process.
    @Test func aWorkspaceFromAnotherNetworkStopsTheProcess() async {
        await #expect(processExitsWith: .failure) {
            let small = try Network(graph: SampleGraphs.everyOperator(seed: 1, height: 7, width: 7))
            let large = try Network(graph: SampleGraphs.everyOperator(seed: 2, height: 64, width: 64))
            let input = [Float](repeating: 1, count: small.inputShape.elementCount)
            var output = [Float](repeating: 0, count: small.outputShape.elementCount)
            small.run(input: input, output: &output, workspace: large.makeWorkspace())
        }
        // The same network's workspace is of course accepted, again and again.
        await #expect(processExitsWith: .success) {
            let small = try Network(graph: SampleGraphs.everyOperator(seed: 1, height: 7, width: 7))
            let workspace = small.makeWorkspace()
            var output = [Float](repeating: 0, count: small.outputShape.elementCount)
            for _ in 0..<3 {
                small.run(input: [Float](repeating: 1, count: small.inputShape.elementCount), output: &output, workspace: workspace)
            }
        }
    }
}
