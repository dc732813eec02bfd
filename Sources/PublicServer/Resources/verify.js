// AgriTrace browser verifier. Checks one lot's proof bundle (agritrace-label-bundle/v1, the file
// `agritrace label` writes and `agritrace verify-label` checks) in the buyer's browser, against the
// keys in the page's trust list. All cryptography is WebCrypto's: SHA-256 for the RFC 9162 hashes
// and Ed25519 for signatures. This file only parses and does the inclusion proof's index
// arithmetic. Format: Sources/Traceability/README.md ("Label proof bundle").
"use strict";
(function () {
  const config = JSON.parse(document.getElementById("agritrace-config").textContent);
  const T = config.text || {};
  const verdict = document.getElementById("verdict");
  const encoder = new TextEncoder();
  const HOLD_GRADES = new Set(["review", "needs review", "needs_review", "held", "hold"]);

  class Failure extends Error {}
  // The cooperative's server says no signed checkpoint covers the lot's newest record yet.
  class NotYetSigned extends Error {}
  // No proof to check: the server did not answer, or answered an error.
  class CannotFetch extends Error {}
  function t(key, ...args) {
    return (T[key] || key).replace(/%(\d)/g, (match, digit) => (args[digit - 1] !== undefined ? String(args[digit - 1]) : match));
  }
  // Grade names and days in the page's language (the server sends the names; codes otherwise).
  const GRADES = config.grades || {};
  function gradeName(code) { return Object.prototype.hasOwnProperty.call(GRADES, code) ? GRADES[code] : code; }
  function day(iso) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    return m && config.lang === "vi" ? m[3] + "/" + m[2] + "/" + m[1] : iso;
  }
  function time(iso) {
    const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?Z$/.exec(iso || "");
    return m ? day(m[1]) + " " + m[2] + " UTC" : iso;
  }
  function fail(key, ...args) { throw new Failure(t(key, ...args)); }
  function malformed(reason) { fail("fail.parse", reason); }

  // The lot page's grade box (absent on the stand-alone verifier) takes the verdict's state: it
  // is neutral until now, green only when verified, red with a warning when not.
  const gradeBox = document.getElementById("grade");
  function show(state, lines) {
    verdict.className = state;
    verdict.dataset.verdict = { verified: "verified", held: "verified-held", failed: "not-verified", notyet: "not-yet-verifiable" }[state];
    if (gradeBox) {
      gradeBox.className = "grade " + state;
      gradeBox.dataset.state = verdict.dataset.verdict;
      let note = gradeBox.querySelector(".state");
      if (state === "failed" || state === "notyet") {
        if (!note) { note = document.createElement("span"); note.className = "state"; gradeBox.append(note); }
        note.textContent = t(state === "failed" ? "grade.unverified" : "grade.notYet");
      } else if (note) {
        note.remove();
      }
    }
    verdict.replaceChildren(...lines.map((line, index) => {
      const p = document.createElement("p");
      if (index === 0) p.className = "head";
      p.textContent = line;   // text, never markup
      return p;
    }));
  }

  // ---------------------------------------------------------------- bytes
  function base64(text, what) {
    if (typeof text !== "string" || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) malformed(what + " is not base64");
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  }
  function toBase64(bytes) { return btoa(String.fromCharCode(...bytes)); }
  function hex(bytes) { return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(""); }
  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const part of parts) { out.set(part, offset); offset += part.length; }
    return out;
  }
  function equal(a, b) { return a.length === b.length && a.every((x, i) => x === b[i]); }
  async function sha256(bytes) { return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)); }
  const leafHash = (data) => sha256(concat([0], data));
  const nodeHash = (left, right) => sha256(concat([1], left, right));

  // ---------------------------------------------------------------- RFC 9162 §2.1.3.2
  async function inclusionRoot(index, size, leaf, proof) {
    if (index >= size) return null;
    let fn = index, sn = size - 1, r = leaf;
    const odd = (x) => x % 2 === 1, half = (x) => Math.floor(x / 2);
    for (const p of proof) {
      if (sn === 0) return null;
      if (odd(fn) || fn === sn) {
        r = await nodeHash(p, r);
        while (!odd(fn) && fn !== 0) { fn = half(fn); sn = half(sn); }
      } else {
        r = await nodeHash(r, p);
      }
      fn = half(fn); sn = half(sn);
    }
    return sn === 0 ? r : null;
  }

  // ---------------------------------------------------------------- keys and signed notes (C2SP)
  async function parseKey(vkey) {
    // name+id+key: the name holds no "+" (C2SP signed-note), the base64 key may; split at the first two.
    const first = vkey.indexOf("+"), second = vkey.indexOf("+", first + 1);
    const parts = first > 0 && second > first ? [vkey.slice(0, first), vkey.slice(first + 1, second), vkey.slice(second + 1)] : [];
    if (parts.length !== 3 || !/^[0-9a-f]{8}$/.test(parts[1])) malformed("trusted key " + vkey);
    const raw = base64(parts[2], "trusted key");
    if (raw.length !== 33 || (raw[0] !== 1 && raw[0] !== 4)) malformed("trusted key " + parts[0]);
    const id = hex((await sha256(concat(encoder.encode(parts[0] + "\n"), raw.slice(0, 1), raw.slice(1)))).slice(0, 4));
    if (id !== parts[1]) malformed("trusted key " + parts[0] + ": key id does not match");
    let key;
    try {
      key = await crypto.subtle.importKey("raw", raw.slice(1), { name: "Ed25519" }, false, ["verify"]);
    } catch (e) {
      fail("fail.noCrypto");
    }
    return { name: parts[0], id, type: raw[0], key };
  }

  function parseNote(text, what) {
    const cut = text.lastIndexOf("\n\n");
    if (cut < 0 || !text.endsWith("\n")) malformed(what + " is not a signed note");
    const body = text.slice(0, cut + 1);
    const signatures = text.slice(cut + 2, -1).split("\n").map((line) => {
      const fields = line.startsWith("\u2014 ") ? line.slice(2).split(" ") : [];
      if (fields.length !== 2) malformed(what + ": bad signature line");
      const raw = base64(fields[1], what + " signature");
      if (raw.length < 5) malformed(what + ": short signature");
      return { name: fields[0], id: hex(raw.slice(0, 4)), signature: raw.slice(4) };
    });
    return { body, signatures };
  }

  // The trusted keys whose signatures on the note verify; a bad signature by a trusted key fails,
  // naming the note (`badSignature`: the checkpoint's or the lot statement's failure).
  async function noteSigners(note, keys, badSignature) {
    const signers = [];
    for (const s of note.signatures) {
      const key = keys.find((k) => k.name === s.name && k.id === s.id);
      if (!key || signers.includes(key)) continue;
      let message = encoder.encode(note.body), signature = s.signature;
      if (key.type === 4) {
        if (signature.length !== 72) badSignature(key.name);
        const stamp = new DataView(signature.buffer, signature.byteOffset, 8).getBigUint64(0);
        message = encoder.encode("cosignature/v1\ntime " + stamp + "\n" + note.body);
        signature = signature.slice(8);
      }
      if (!(await crypto.subtle.verify("Ed25519", key.key, signature, message))) badSignature(key.name);
      signers.push(key);
    }
    return signers;
  }

  // ---------------------------------------------------------------- entries
  // An entry is canonical JSON; its signature covers the same bytes without the top-level "sig"
  // member (RFC 8785 keeps the other members' order and spelling when one is removed).
  function withoutSignature(text) {
    let depth = 0, inString = false, escaped = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (c === "\\") escaped = true;
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') {
        const before = text[i - 1];
        if (depth === 1 && (before === "{" || before === ",") && text.startsWith('"sig":"', i)) {
          const end = text.indexOf('"', i + 7);
          return before === "," ? text.slice(0, i - 1) + text.slice(end + 1) : text.slice(0, i) + text.slice(end + 2);
        }
        inString = true;
      } else if (c === "{" || c === "[") depth++;
      else if (c === "}" || c === "]") depth--;
    }
    return null;
  }

  function parseBundle(text) {
    if (text.includes("\r")) malformed("Windows (CRLF) line ends");
    if (!text.startsWith("agritrace-label-bundle/v1\n")) malformed("not an agritrace-label-bundle/v1 file");
    const blank = text.indexOf("\n\n");
    if (blank < 0) malformed("no checkpoint");
    const members = [];
    for (const line of text.slice(0, blank).split("\n").slice(1)) {
      const fields = line.split(" ");
      if (fields[0] === "entry" && fields.length === 3 && /^(0|[1-9][0-9]*)$/.test(fields[1])) {
        members.push({ seq: Number(fields[1]), bytes: base64(fields[2], "entry " + fields[1]), proof: [] });
      } else if (members.length > 0 && fields.length === 1) {
        const hash = base64(line, "proof hash");
        if (hash.length !== 32) malformed("proof hash is not 32 bytes");
        members[members.length - 1].proof.push(hash);
      } else {
        malformed("unexpected line '" + line.slice(0, 40) + "'");
      }
    }
    const parts = text.slice(blank + 2).split("\n\n");
    if (parts.length !== 4) malformed("expected a checkpoint note and a statement note");
    return { members, checkpoint: parts[0] + "\n\n" + parts[1] + "\n", statement: parts[2] + "\n\n" + parts[3] };
  }

  // ---------------------------------------------------------------- the check
  async function verify(bundleText) {
    if (!config.trust || !config.trust.log || config.trust.log.length === 0) fail("fail.noTrust");
    if (!window.crypto || !crypto.subtle) fail("fail.noCrypto");
    const logKeys = await Promise.all(config.trust.log.map(parseKey));
    const witnesses = await Promise.all((config.trust.witnesses || []).map(parseKey));
    const quorum = config.trust.quorum || 0;
    const bundle = parseBundle(bundleText);

    // 1. The checkpoint: signed by the cooperative, cosigned by enough trusted witnesses.
    const checkpointNote = parseNote(bundle.checkpoint, "checkpoint");
    const checkpointSignature = (name) => fail("fail.checkpointSig", name);
    const logSigners = await noteSigners(checkpointNote, logKeys, checkpointSignature);
    if (logSigners.length === 0) fail("fail.checkpointKey");
    const cosigners = await noteSigners(checkpointNote, witnesses, checkpointSignature);
    if (cosigners.length < quorum) fail("fail.quorum", cosigners.length, quorum);
    const lines = checkpointNote.body.slice(0, -1).split("\n");
    if (lines.length < 3 || !/^(0|[1-9][0-9]*)$/.test(lines[1])) malformed("checkpoint body");
    const origin = lines[0], size = Number(lines[1]), root = base64(lines[2], "checkpoint root");

    // 2. Every entry: signed by a trusted key, and included under that checkpoint.
    const records = [];
    for (const member of bundle.members) {
      let text, entry;
      try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(member.bytes);
        entry = JSON.parse(text);
      } catch (e) {
        malformed("entry " + member.seq + " is not JSON");
      }
      const kind = Object.prototype.hasOwnProperty.call(T, "kind." + entry.type) ? T["kind." + entry.type] : String(entry.type);
      if (entry.seq !== member.seq) fail("fail.contents", "entry " + member.seq + " says seq " + entry.seq);
      const signer = logKeys.find((k) => k.name + "+" + k.id === entry.signer);
      if (!signer) fail("fail.entrySigner", member.seq, String(entry.signer));
      const unsigned = withoutSignature(text);
      const signature = unsigned === null ? null : base64(entry.sig, "entry signature");
      if (unsigned === null || signature.length !== 64 ||
          !(await crypto.subtle.verify("Ed25519", signer.key, signature, encoder.encode(unsigned)))) {
        fail("fail.entrySig", member.seq, kind);
      }
      const leaf = await leafHash(member.bytes);
      const computed = await inclusionRoot(member.seq, size, leaf, member.proof);
      if (computed === null || !equal(computed, root)) fail("fail.inclusion", member.seq, kind);
      records.push({ seq: member.seq, leaf, entry });
    }

    // 3. The cooperative's signed statement that these are all of the lot's records.
    const statementNote = parseNote(bundle.statement, "statement");
    const statementSignature = () => fail("fail.statement", t("fail.statementSig"));
    if ((await noteSigners(statementNote, logKeys, statementSignature)).length === 0) fail("fail.statement", t("fail.statementSig"));
    const statement = statementNote.body.slice(0, -1).split("\n");
    const expected = ["agritrace-label-statement/v1", "ledger " + origin, "size " + size, "root " + toBase64(root)];
    if (!expected.every((line, i) => statement[i] === line)) fail("fail.statement", "another ledger state");
    const newest = (statement[4] || "").replace(/^time /, "");
    const lotLine = (statement[5] || "").replace(/^lot /, "");
    const listed = statement.slice(6);
    if (listed.length !== records.length ||
        !records.every((r, i) => listed[i] === "entry " + r.seq + " " + toBase64(r.leaf))) {
      fail("fail.statement", "the listed records differ");
    }

    // 4. What the records say (the rules of Traceability's LotState), about the lot the buyer
    // asked for: the address they opened (the label's QR code), never only the page's own word.
    const state = lotState(records.map((r) => r.entry), lotLine);
    const addressed = addressedLot();
    if (addressed && addressed.lot !== state.lot.lot_code) fail("fail.otherLot", addressed.lot, state.lot.lot_code);
    if (addressed && addressed.gtin !== null && addressed.gtin !== state.lot.gtin) {
      fail("fail.otherGTIN", addressed.gtin, state.lot.gtin === undefined ? "-" : String(state.lot.gtin));
    }
    if (config.expect) {
      if (config.expect.lot !== state.lot.lot_code) fail("fail.contents", "lot " + state.lot.lot_code + " ≠ " + config.expect.lot);
      if (config.expect.held !== state.held || (config.expect.grade !== null && config.expect.grade !== state.grade)) {
        const shown = config.expect.held ? t("grade.held") : gradeName(config.expect.grade);
        fail("fail.lotMismatch", t("field.grade"), shown, state.held ? t("grade.held") : gradeName(state.grade));
      }
    }
    const grade = state.held ? t("grade.held") : gradeName(state.grade);
    const out = [
      t(state.held ? "verify.okHeld" : "verify.ok"),
      t("verify.proven", state.lot.lot_code, state.origin.farm_name || state.lot.farm_id, state.lot.origin_code,
        state.lot.crop, day(state.lot.harvest_date), grade),
      t("verify.signedBy", logSigners.map((k) => k.name).join(", ")),
      witnesses.length === 0 ? t("verify.noWitnesses")
        : t("verify.witnessed", cosigners.length, witnesses.length, quorum, cosigners.map((k) => k.name).join(", ") || "-"),
      t("verify.checkpoint", size, time(newest)),
      t("verify.notCovered", time(newest)),
      t("verify.trustFrom"),
    ];
    show(state.held ? "held" : "verified", out);
  }

  // The lot a lot page's address names: /lot/<lot> or GS1 Digital Link /01/<GTIN>/10/<lot>, its
  // GTIN as 14 digits (the server's routes; the stand-alone verifier has none). Null elsewhere.
  function addressedLot() {
    const segments = location.pathname.split("/").slice(1);
    let lot, gtin = null;
    if (segments.length === 2 && segments[0] === "lot") {
      lot = segments[1];
    } else if (segments.length === 4 && segments[0] === "01" && segments[2] === "10") {
      lot = segments[3];
      gtin = segments[1];
      if (!/^(\d{8}|\d{12,14})$/.test(gtin)) fail("fail.otherGTIN", gtin, "-");
      gtin = gtin.padStart(14, "0");
    } else {
      return null;
    }
    try {
      return { lot: decodeURIComponent(lot), gtin };
    } catch (e) {
      return fail("fail.otherLot", lot, "-");
    }
  }

  function lotState(entries, lotCode) {
    const lots = entries.filter((e) => e.type === "lot");
    if (lots.length !== 1 || lots[0].lot_code !== lotCode) fail("fail.contents", "one lot entry of lot " + lotCode);
    const corrections = entries.filter((e) => e.type === "correction");
    const lot = Object.assign({}, lots[0]);
    // The fields each kind of entry is corrected in (Provenance's CorrectionRecord.correctableFields):
    // a correction of anything else leaves the lot's state unknown, so nothing is proven.
    const amend = (target, fields) => {
      for (const c of corrections.filter((c) => c.corrects === target.seq)) {
        for (const field of Object.keys(c.changes || {})) {
          if (!fields.includes(field)) fail("fail.uninterpreted", c.seq, field);
          target[field] = c.changes[field];
        }
      }
    };
    const correctedSeqs = new Set(entries.filter((e) => e.type === "lot" || e.type === "origin" || e.type === "grading").map((e) => e.seq));
    for (const c of corrections) {
      if (!correctedSeqs.has(c.corrects) && Object.keys(c.changes || {}).length > 0) fail("fail.uninterpreted", c.seq, Object.keys(c.changes)[0]);
    }
    amend(lot, ["origin_code", "farm_id", "crop", "harvest_date", "cooperative", "gtin", "quantity_g"]);
    const origins = entries.filter((e) => e.type === "origin");
    if (origins.length !== 1 || origins[0].origin_code !== lot.origin_code) fail("fail.contents", "the registration of origin " + lot.origin_code);
    const origin = Object.assign({}, origins[0]);
    amend(origin, ["farm_id", "crop", "farm_name", "commune", "district", "province"]);
    const gradings = entries.filter((e) => e.type === "grading");
    if (gradings.length === 0) fail("fail.contents", "no grading");
    const latest = gradings[gradings.length - 1];
    let grade = String(latest.lot_grade), released = false;
    for (const c of corrections.filter((c) => c.corrects === latest.seq)) {
      for (const field of Object.keys(c.changes || {})) {
        if (field !== "lot_grade" || typeof c.changes.lot_grade !== "string") fail("fail.uninterpreted", c.seq, field);
      }
      if (c.changes && typeof c.changes.lot_grade === "string") { grade = c.changes.lot_grade; released = true; }
    }
    const held = HOLD_GRADES.has(grade.toLowerCase()) || (latest.held === true && !released);
    return { lot, origin, grade, held };
  }

  async function run(load) {
    try {
      await verify(await load());
    } catch (error) {
      // Neutral, not red: nothing failed, but nothing is proven yet either. The page's link to
      // download the proof would fetch the same missing answer: it goes.
      if (error instanceof NotYetSigned || error instanceof CannotFetch) document.getElementById("proof-link")?.remove();
      if (error instanceof NotYetSigned) return show("notyet", [t("verify.notYet"), t("verify.notYetWhy")]);
      if (error instanceof CannotFetch) return show("notyet", [t("verify.cannot"), t("verify.cannotWhy", error.message)]);
      const reason = error instanceof Failure ? error.message : String(error);
      show("failed", [t("verify.fail"), reason, t("verify.trustFrom")]);
    }
  }

  async function fetchText(url) {
    let response;
    try {
      response = await fetch(url, { credentials: "omit", cache: "no-store" });
    } catch (error) {
      throw new CannotFetch(t("verify.noAnswer"));
    }
    const text = await response.text();
    if (response.status === 404 && response.headers.get("AgriTrace-Proof-Status") === "not-yet-signed") throw new NotYetSigned();
    if (!response.ok) throw new CannotFetch("HTTP " + response.status);
    return text;
  }

  if (config.proof) run(() => fetchText(config.proof));
  const button = document.getElementById("check");
  if (button) {
    button.addEventListener("click", () => {
      const url = document.getElementById("proof-url").value.trim();
      if (url) run(() => fetchText(url));
    });
    document.getElementById("proof-file").addEventListener("change", (event) => {
      const file = event.target.files[0];
      if (file) run(() => file.text());
    });
  }
})();
