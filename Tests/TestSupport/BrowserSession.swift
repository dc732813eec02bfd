import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Headless Chromium driven through the DevTools protocol over `--remote-debugging-pipe` (file
/// descriptors 3 and 4, messages separated by NUL), so a test can type into forms, click, pick a
/// file for an `<input type=file>` and take screenshots in one browser session with its cookies.
public final class BrowserSession {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    private let pid: pid_t
    private let toBrowser: Int32
    private let fromBrowser: Int32
    private var received: [UInt8] = []
    private var nextID = 1
    private var session = ""
    private let profile: URL

    /// Starts Chromium with a throwaway profile and opens one page of `width` × `height` CSS pixels.
    public init(width: Int, height: Int, mobile: Bool, directory: URL) throws {
        let executable = try Chromium.executable()
        profile = directory.appendingPathComponent("chromium-profile-\(UUID().uuidString)")
        var input: [Int32] = [0, 0], output: [Int32] = [0, 0]
        guard pipe(&input) == 0, pipe(&output) == 0 else { throw Failure(description: "pipe() failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input[0], 3)
        posix_spawn_file_actions_adddup2(&actions, output[1], 4)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        for fd in [input[1], output[0]] { posix_spawn_file_actions_addclose(&actions, fd) }
        let arguments = [executable.path, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
                         "--remote-debugging-pipe", "--user-data-dir=\(profile.path)", "about:blank"]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, executable.path, &actions, nil, &argv, environ)
        close(input[0]); close(output[1])
        guard status == 0 else { throw Failure(description: "cannot start chromium: \(status)") }
        pid = child
        toBrowser = input[1]
        fromBrowser = output[0]

        let target = try call("Target.createTarget", ["url": "about:blank"], inPage: false)
        guard let targetID = target["targetId"] as? String else { throw Failure(description: "no target: \(target)") }
        let attached = try call("Target.attachToTarget", ["targetId": targetID, "flatten": true], inPage: false)
        guard let sessionID = attached["sessionId"] as? String else { throw Failure(description: "not attached: \(attached)") }
        session = sessionID
        _ = try call("Page.enable")
        _ = try call("Emulation.setDeviceMetricsOverride", ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile])
    }

    deinit {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        close(toBrowser); close(fromBrowser)
        // Killed, Chromium cannot remove the folder it made in /tmp for its SingletonSocket; the
        // profile's link to the socket names it.
        if let socket = try? FileManager.default.destinationOfSymbolicLink(atPath: profile.appendingPathComponent("SingletonSocket").path) {
            try? FileManager.default.removeItem(atPath: (socket as NSString).deletingLastPathComponent)
        }
        try? FileManager.default.removeItem(at: profile)
    }

    /// Sends one command and waits (at most `timeoutSeconds`) for its answer; events are skipped.
    @discardableResult
    public func call(_ method: String, _ parameters: [String: Any] = [:], inPage: Bool = true, timeoutSeconds: Int = 60) throws -> [String: Any] {
        let id = nextID
        nextID += 1
        var message: [String: Any] = ["id": id, "method": method, "params": parameters]
        if inPage { message["sessionId"] = session }
        var bytes = Array(try JSONSerialization.data(withJSONObject: message))
        bytes.append(0)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { write(toBrowser, $0.baseAddress, $0.count) }
            guard n > 0 else { throw Failure(description: "chromium closed its pipe") }
            sent += n
        }
        let deadline = Date().addingTimeInterval(TimeInterval(timeoutSeconds))
        while true {
            while let end = received.firstIndex(of: 0) {
                let text = Array(received[..<end])
                received.removeSubrange(...end)
                guard let answer = try JSONSerialization.jsonObject(with: Data(text)) as? [String: Any], answer["id"] as? Int == id else { continue }
                if let error = answer["error"] { throw Failure(description: "\(method): \(error)") }
                return answer["result"] as? [String: Any] ?? [:]
            }
            let left = Int32(max(0, deadline.timeIntervalSinceNow * 1000))
            guard left > 0 else { throw Failure(description: "\(method): no answer in \(timeoutSeconds) s") }
            var poller = pollfd(fd: fromBrowser, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, left) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            let n = read(fromBrowser, &buffer, buffer.count)
            guard n > 0 else { throw Failure(description: "chromium exited") }
            received += buffer[..<n]
        }
    }

    public func navigate(_ url: String) throws {
        try call("Page.navigate", ["url": url])
        try waitUntil("document.readyState === 'complete' && location.href === \(Self.quoted(url))")
    }

    /// The value of a JavaScript expression (run by DevTools, so the page's CSP does not apply).
    @discardableResult
    public func evaluate(_ expression: String) throws -> Any? {
        let result = try call("Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true])
        if let exception = result["exceptionDetails"] { throw Failure(description: "\(expression): \(exception)") }
        return (result["result"] as? [String: Any])?["value"]
    }

    /// Waits until `condition` is true in the page (a navigation in between is waited out).
    public func waitUntil(_ condition: String, timeoutSeconds: Int = 120) throws {
        let deadline = Date().addingTimeInterval(TimeInterval(timeoutSeconds))
        while Date() < deadline {
            if (try? evaluate("document.readyState === 'complete' && (\(condition))")) as? Bool == true { return }
            usleep(100_000)
        }
        throw Failure(description: "not true after \(timeoutSeconds) s: \(condition); page: \((try? evaluate("location.href + ' ' + document.body.innerText.slice(0, 400)")) ?? "?")")
    }

    public var text: String { ((try? evaluate("document.body.innerText")) as? String) ?? "" }

    /// Sets a field's value as typing would.
    public func fill(_ selector: String, _ value: String) throws {
        try evaluate("(function(){var e=document.querySelector(\(Self.quoted(selector)));e.focus();e.value=\(Self.quoted(value));return true})()")
    }

    public func click(_ selector: String) throws {
        try evaluate("document.querySelector(\(Self.quoted(selector))).click()")
    }

    /// Chooses `path` in an `<input type=file>`, as the file dialog would.
    public func chooseFile(_ selector: String, path: String) throws {
        let document = try call("DOM.getDocument")
        guard let root = (document["root"] as? [String: Any])?["nodeId"] as? Int else { throw Failure(description: "no document") }
        let node = try call("DOM.querySelector", ["nodeId": root, "selector": selector])
        guard let id = node["nodeId"] as? Int, id != 0 else { throw Failure(description: "no \(selector)") }
        try call("DOM.setFileInputFiles", ["files": [path], "nodeId": id])
    }

    /// Drags the files or folders at `paths` from the desktop onto the element matching `selector`
    /// and drops them there (the page sees them through `DataTransfer`, folders as directory entries).
    public func drop(_ paths: [String], onto selector: String) throws {
        try evaluate("document.querySelector(\(Self.quoted(selector))).scrollIntoView({block:'center'})")
        guard let centre = try evaluate("(function(){var r=document.querySelector(\(Self.quoted(selector))).getBoundingClientRect();return [r.left+r.width/2,r.top+r.height/2]})()") as? [Double],
              centre.count == 2 else { throw Failure(description: "no \(selector)") }
        for type in ["dragEnter", "dragOver", "drop"] {
            try call("Input.dispatchDragEvent", ["type": type, "x": centre[0], "y": centre[1],
                                                 "data": ["items": [Any](), "files": paths, "dragOperationsMask": 1] as [String: Any]])
        }
    }

    /// A PNG of the page as shown (the viewport set at start, or the whole page with `fullPage`).
    public func screenshot(to file: URL, fullPage: Bool = true) throws {
        let shot = try call("Page.captureScreenshot", ["format": "png", "captureBeyondViewport": fullPage])
        guard let base64 = shot["data"] as? String, let data = Data(base64Encoded: base64) else { throw Failure(description: "no screenshot") }
        try data.write(to: file)
    }

    static func quoted(_ text: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: [text]), as: UTF8.self).dropFirst().dropLast().description
    }
}
