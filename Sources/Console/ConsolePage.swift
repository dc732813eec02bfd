import Crypto
import Foundation
import Localization
import Markup

/// The console's page frame. Every text from the ledger, an upload or a user goes through
/// `Markup.escapeHTML` (`h`); messages are rendered in the page's language first.
struct ConsolePage {
    let localizer: Localizer
    let user: ConsoleUser?
    let csrf: String?

    /// Phone first (one column at 360 px); tables scroll sideways inside their box.
    static let style = """
        *{box-sizing:border-box}body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;\
        color:#1b1f23;background:#f6f7f4}main{max-width:64rem;margin:0 auto;padding:12px 14px 32px}\
        header{display:flex;justify-content:space-between;align-items:center;gap:8px;flex-wrap:wrap;border-bottom:1px solid #d8dee4;padding-bottom:8px}\
        header form{display:inline;margin:0}h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:22px 0 8px}a{color:#0b5cad}\
        section{background:#fff;border:1px solid #d8dee4;border-radius:8px;padding:10px 14px;margin:12px 0}\
        label{display:block;margin:8px 0 2px;font-weight:600}label.check{font-weight:400}\
        input,select,button,textarea{font:inherit;padding:8px;margin:2px 0;max-width:100%}\
        input[type=text],input[type=password],textarea{width:100%}button{cursor:pointer;border-radius:6px;border:1px solid #0b5cad;\
        background:#0b5cad;color:#fff}button.quiet{background:#fff;color:#0b5cad}:focus-visible{outline:3px solid #f0a500;outline-offset:2px}\
        .scroll{overflow-x:auto}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #eef1f4;\
        vertical-align:top}th{font-size:13px;color:#57606a}.held{color:#7a4b00;font-weight:600}.error{background:#fdecea;\
        border-color:#c62828}.ok{background:#e7f3e8;border-color:#2e7d32}.note{font-size:14px;color:#57606a}\
        progress{width:100%;height:22px}ul{padding-left:20px}li{margin:4px 0;overflow-wrap:anywhere}
        """
    static let styleSHA256 = Data(SHA256.hash(data: Data(style.utf8))).base64EncodedString()

    /// Nothing from anywhere else; scripts only the console's own file; forms post only here;
    /// no framing (the console's forms must not be clickjacked).
    static let policy = ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "img-src 'self' data:",
                         "style-src 'sha256-\(styleSHA256)'", "base-uri 'none'", "form-action 'self'",
                         "frame-ancestors 'none'"].joined(separator: "; ")

    func t(_ message: Message) -> String { Markup.escapeHTML(localizer.render(message)) }
    func h(_ text: String) -> String { Markup.escapeHTML(text) }
    static func escape(_ text: String) -> String { Markup.escapeHTML(text) }

    /// A hidden field carrying the session's CSRF token; every form has one.
    var csrfField: String { "<input type=\"hidden\" name=\"csrf\" value=\"\(h(csrf ?? ""))\">" }

    func render(title: String, _ content: String) -> String {
        let other = localizer.language == .vietnamese ? "en" : "vi"
        var top = "<a href=\"/console/\">\(t(ConsoleText.title))</a>"
        if let user {
            top += " <span>\(t(ConsoleText.signedInAs(name: .text(user.name), role: .message(roleMessage(user.role)))))</span>"
            top += " <form method=\"post\" action=\"/console/logout\">\(csrfField)<button class=\"quiet\" type=\"submit\">\(t(ConsoleText.signOut))</button></form>"
        }
        top += " <a href=\"?lang=\(other)\" hreflang=\"\(other)\">\(t(ConsoleText.language))</a>"
        return """
            <!doctype html>
            <html lang="\(localizer.language.tag)"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(h(title))</title>
            <style>\(Self.style)</style>
            <script src="/console/app.js" defer></script>
            </head><body><main>
            <header>\(top)</header>
            <h1>\(h(title))</h1>
            \(content)
            </main></body></html>
            """
    }

    func roleMessage(_ role: ConsoleRole) -> Message {
        switch role {
        case .clerk: return ConsoleText.roleClerk
        case .reviewer: return ConsoleText.roleReviewer
        case .admin: return ConsoleText.roleAdmin
        }
    }

    /// Uploads (with the size limit checked before sending) and live progress; the page works
    /// without it except for uploading, which says so.
    static let script = """
        "use strict";
        document.addEventListener("DOMContentLoaded", function () {
          var form = document.getElementById("upload");
          if (form) {
            var input = form.querySelector("input[type=file]");
            var status = document.getElementById("upload-status");
            form.addEventListener("dragover", function (e) { e.preventDefault(); });
            form.addEventListener("drop", function (e) { e.preventDefault(); input.files = e.dataTransfer.files; });
            form.addEventListener("submit", function (e) {
              e.preventDefault();
              var file = input.files[0];
              if (!file) { input.focus(); return; }
              if (file.size > Number(form.dataset.max)) { status.textContent = form.dataset.tooLarge; return; }
              var register = form.querySelector("input[name=register_origins]").checked ? "1" : "0";
              var target = form.action + "?name=" + encodeURIComponent(file.name) + "&register_origins=" + register;
              fetch(target, { method: "POST", credentials: "same-origin", body: file,
                              headers: { "X-CSRF-Token": form.dataset.csrf, "Content-Type": "application/zip" } })
                .then(function (r) { return r.json().then(function (a) { return [r, a]; }); })
                .then(function (ra) { if (ra[0].ok && ra[1].url) { location.href = ra[1].url; } else { status.textContent = ra[1].error || ("HTTP " + ra[0].status); } })
                .catch(function (err) { status.textContent = String(err); });
            });
          }
          var job = document.getElementById("job");
          if (job && job.dataset.live === "1" && window.EventSource) {
            var bar = job.querySelector("progress"), text = job.querySelector(".state");
            var source = new EventSource(job.dataset.events);
            source.addEventListener("progress", function (e) {
              var p = JSON.parse(e.data);
              bar.max = p.total || 1; bar.value = p.done; text.textContent = p.text;
              if (p.final) { source.close(); location.reload(); }
            });
          }
        });
        """
}
