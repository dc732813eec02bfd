import Crypto
import Foundation
import Localization
import Markup
import Traceability

/// The console's page frame. Every text from the ledger, an upload or a user goes through
/// `Markup.escapeHTML` (`h`); messages are rendered in the page's language first.
struct ConsolePage {
    let localizer: Localizer
    let user: ConsoleUser?
    let csrf: String?
    /// The page's language with the grading policy's names for grades in it (what pages and
    /// labels show for a grade code).
    let presentation: Presentation

    /// `policyGradeNames`: the `grade_names` of the policy the console grades with.
    init(localizer: Localizer, user: ConsoleUser?, csrf: String?, policyGradeNames: [String: [String: String]]) {
        self.localizer = localizer
        self.user = user
        self.csrf = csrf
        presentation = Presentation(localizer: localizer, policyGradeNames: policyGradeNames)
    }

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
        border-color:#c62828}.ok{background:#e7f3e8;border-color:#2e7d32}.attention{background:#fff4e0;border-color:#b26a00}.note{font-size:14px;color:#57606a}\
        progress{width:100%;height:22px}ul{padding-left:20px}li{margin:4px 0;overflow-wrap:anywhere}\
        .drop{border:2px dashed #8c959f;border-radius:8px;padding:4px 12px 8px}.drop.over{background:#eef6ff;border-color:#0b5cad}\
        input.picker{position:absolute;width:1px;height:1px;opacity:0;overflow:hidden}label.picker{display:block;width:fit-content;\
        max-width:100%;padding:8px 12px;border:1px solid #0b5cad;border-radius:6px;color:#0b5cad;background:#fff;cursor:pointer}\
        input.picker:focus-visible+label.picker{outline:3px solid #f0a500;outline-offset:2px}\
        .thumbs{display:flex;flex-wrap:wrap;gap:3px;margin-top:4px;align-items:center;min-width:176px}.thumbs img{flex:none}\
        .thumbs img,.photos img{object-fit:cover;border-radius:4px;\
        background:#eef1f4}.photos{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:10px}.photos li{width:96px;font-size:12px;margin:0}\
        .photos span{display:block}.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px;margin:0}.facts dt{font-weight:600}\
        .facts dd{margin:0;overflow-wrap:anywhere}.history li{margin:6px 0}
        """
    static let styleSHA256 = Data(SHA256.hash(data: Data(style.utf8))).base64EncodedString()

    /// Nothing from anywhere else; scripts only the console's own file; forms post only here;
    /// no framing (the console's forms must not be clickjacked).
    static let policy = ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "img-src 'self' data:",
                         "style-src 'sha256-\(styleSHA256)'", "base-uri 'none'", "form-action 'self'",
                         "frame-ancestors 'none'"].joined(separator: "; ")

    func t(_ message: Message) -> String { Markup.escapeHTML(localizer.render(message)) }
    func h(_ text: String) -> String { Markup.escapeHTML(text) }
    /// A grade code by its name in the page's language, escaped.
    func grade(_ code: String) -> String { h(presentation.grade(code)) }
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
    /// without it except for uploading, which says so. A zip goes as the body; a folder (chosen,
    /// or dropped: walked with webkitGetAsEntry) as multipart parts, each file after a `path`
    /// field with its path inside the folder (`FolderReceiver`).
    static let script = """
        "use strict";
        document.addEventListener("DOMContentLoaded", function () {
          var form = document.getElementById("upload");
          if (form) {
            var zip = document.getElementById("file"), folder = document.getElementById("folder");
            var drop = document.getElementById("drop"), chosen = document.getElementById("chosen");
            var status = document.getElementById("upload-status");
            var picked = null;   // a folder: [{file, path}]
            function mib(n) { return (n / 1048576).toFixed(1) + " MiB"; }
            function pick(list) {
              picked = list.length ? list : null;
              zip.value = "";
              if (!picked) { chosen.textContent = ""; return; }
              var total = picked.reduce(function (s, p) { return s + p.file.size; }, 0);
              chosen.textContent = form.dataset.chosen.replace("%1", folderName()).replace("%2", String(picked.length)).replace("%3", mib(total));
            }
            function folderName() {
              var tops = picked.map(function (p) { return p.path.split("/")[0]; });
              return tops.every(function (t) { return t === tops[0]; }) && picked.some(function (p) { return p.path.indexOf("/") > 0; }) ? tops[0] : form.dataset.unnamed;
            }
            function walk(entry, prefix, out) {
              return new Promise(function (resolve, reject) {
                if (entry.isFile) { entry.file(function (f) { out.push({ file: f, path: prefix + entry.name }); resolve(); }, reject); return; }
                if (!entry.isDirectory) { resolve(); return; }
                var reader = entry.createReader(), children = [];
                (function more() {
                  reader.readEntries(function (batch) {
                    if (batch.length) { children = children.concat(Array.prototype.slice.call(batch)); more(); return; }
                    Promise.all(children.map(function (c) { return walk(c, prefix + entry.name + "/", out); })).then(resolve, reject);
                  }, reject);
                })();
              });
            }
            // The pickers are our own labels (the browser's "no file chosen" is in its own language): the choice is said here.
            zip.addEventListener("change", function () {
              picked = null; folder.value = "";
              chosen.textContent = zip.files[0] ? zip.files[0].name + " (" + mib(zip.files[0].size) + ")" : "";
            });
            folder.addEventListener("change", function () {
              pick(Array.prototype.map.call(folder.files, function (f) { return { file: f, path: f.webkitRelativePath || f.name }; }));
            });
            drop.addEventListener("dragover", function (e) { e.preventDefault(); drop.classList.add("over"); });
            drop.addEventListener("dragleave", function () { drop.classList.remove("over"); });
            drop.addEventListener("drop", function (e) {
              e.preventDefault();
              drop.classList.remove("over");
              var items = e.dataTransfer.items, entries = [];
              for (var i = 0; items && i < items.length; i++) { var en = items[i].webkitGetAsEntry && items[i].webkitGetAsEntry(); if (en) { entries.push(en); } }
              var one = e.dataTransfer.files;
              if (entries.length === 1 && entries[0].isFile && /\\.zip$/i.test(entries[0].name)) {
                zip.files = one; picked = null; folder.value = ""; chosen.textContent = one[0].name + " (" + mib(one[0].size) + ")"; return;
              }
              var out = [];
              Promise.all(entries.map(function (en) { return walk(en, "", out); }))
                .then(function () { folder.value = ""; pick(out); }, function (err) { status.textContent = String(err); });
            });
            form.addEventListener("submit", function (e) {
              e.preventDefault();
              status.textContent = "";
              var register = form.querySelector("input[name=register_origins]").checked ? "1" : "0";
              var max = Number(form.dataset.max), body, name, headers = { "X-CSRF-Token": form.dataset.csrf };
              if (picked) {
                var total = picked.reduce(function (s, p) { return s + p.file.size; }, 0);
                if (total > max) { status.textContent = form.dataset.tooLarge; return; }
                body = new FormData();
                picked.forEach(function (p) { body.append("path", p.path); body.append("file", p.file, "photo"); });
                name = folderName();
              } else {
                var file = zip.files[0];
                if (!file) { status.textContent = form.dataset.nothing; zip.focus(); return; }
                if (file.size > max) { status.textContent = form.dataset.tooLarge; return; }
                body = file; name = file.name; headers["Content-Type"] = "application/zip";
              }
              var target = form.action + "?name=" + encodeURIComponent(name) + "&register_origins=" + register;
              fetch(target, { method: "POST", credentials: "same-origin", body: body, headers: headers })
                .then(function (r) {
                  // Not the upload's JSON answer (a sign-in page after the session ended, a proxy's error page): said in the page's words.
                  if ((r.headers.get("Content-Type") || "").indexOf("application/json") !== 0) { return [r, { error: form.dataset.refused + " (HTTP " + r.status + ")" }]; }
                  return r.json().then(function (a) { return [r, a]; });
                })
                .then(function (ra) {
                  if (ra[0].ok && ra[1].url) { location.href = ra[1].url; return; }
                  status.textContent = ra[1].error || ("HTTP " + ra[0].status);
                  if (ra[1].problems) {
                    var list = document.createElement("ul");
                    ra[1].problems.forEach(function (p) { var li = document.createElement("li"); li.textContent = p; list.appendChild(li); });
                    status.appendChild(list);
                  }
                })
                .catch(function () { status.textContent = form.dataset.unsent; });
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
