// A tiny reader of the first worksheet of an .xlsx file, for importing candidate lists: the
// zip central directory, DecompressionStream("deflate-raw") for deflated members, DOMParser
// for the workbook, sharedStrings.xml and the worksheet. No library. Cells come back as text
// (numbers as Excel stored them, e.g. "45"); formulas give their cached value; dates stay
// serial numbers. Zip64, encrypted and multi-disk archives are refused with a message.

export const XLSX_BYTES_MAX = 10 * 1024 * 1024;
export const MEMBER_BYTES_MAX = 64 * 1024 * 1024;
export const ROWS_MAX = 20000;
export const COLUMNS_MAX = 200;

const SIG_EOCD = 0x06054b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/** An error with a Chinese and an English message (`message` holds both, "zh / en"). */
export class XlsxError extends Error {
  constructor(zh, en) {
    super(`${zh} / ${en}`);
    this.zh = zh;
    this.en = en;
    this.code = "xlsx_unreadable";
  }
}

/** The zip's members by name: {name → {method, flags, compressedSize, size, offset}}. */
function centralDirectory(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  if (n < 22) throw new XlsxError("文件太短, 不是 XLSX 文件", "the file is too short to be an XLSX file");
  let eocd = -1;
  // The end record is 22 bytes plus a comment of at most 65,535.
  for (let i = n - 22; i >= Math.max(0, n - 22 - 65535); i -= 1) {
    if (view.getUint32(i, true) === SIG_EOCD) { eocd = i; break; }
  }
  if (eocd < 0) throw new XlsxError("不是 XLSX 文件 (找不到 zip 目录); 请在 Excel 或 WPS 中另存为 .xlsx", "not an XLSX file (no zip directory); save it as .xlsx from Excel or WPS");
  const disk = view.getUint16(eocd + 4, true);
  const entries = view.getUint16(eocd + 10, true);
  const size = view.getUint32(eocd + 12, true);
  const offset = view.getUint32(eocd + 16, true);
  if (disk !== 0) throw new XlsxError("不支持分卷压缩的文件", "multi-disk archives are not supported");
  if (entries === 0xffff || offset === 0xffffffff || size === 0xffffffff) {
    throw new XlsxError("文件过大 (zip64), 不支持", "zip64 archives are not supported");
  }
  if (offset + size > n) throw new XlsxError("文件已损坏 (zip 目录超出文件末尾)", "the file is damaged (the zip directory runs past its end)");
  const members = new Map();
  let p = offset;
  for (let i = 0; i < entries; i += 1) {
    if (p + 46 > n || view.getUint32(p, true) !== SIG_CENTRAL) {
      throw new XlsxError("文件已损坏 (zip 目录不完整)", "the file is damaged (the zip directory is incomplete)");
    }
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const compressedSize = view.getUint32(p + 20, true);
    const uncompressed = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    const local = view.getUint32(p + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLen));
    members.set(name, { flags, method, compressedSize, size: uncompressed, offset: local });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return members;
}

/** The bytes of one member, inflated when deflated; at most MEMBER_BYTES_MAX. */
async function memberBytes(bytes, member) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (member.flags & 1) throw new XlsxError("文件有密码保护, 请先取消密码", "the file is password-protected: remove the password first");
  const at = member.offset;
  if (at + 30 > bytes.length || view.getUint32(at, true) !== SIG_LOCAL) {
    throw new XlsxError("文件已损坏 (zip 成员头无效)", "the file is damaged (a bad member header)");
  }
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  const end = start + member.compressedSize;
  if (end > bytes.length) throw new XlsxError("文件已损坏 (成员超出文件末尾)", "the file is damaged (a member runs past its end)");
  const data = bytes.subarray(start, end);
  if (member.method === 0) return data;
  if (member.method !== 8) throw new XlsxError(`不支持的压缩方式 ${member.method}`, `compression method ${member.method} is not supported`);
  if (typeof DecompressionStream === "undefined") {
    throw new XlsxError("此浏览器不能解压 XLSX, 请改用 CSV", "this browser cannot inflate XLSX: use CSV instead");
  }
  const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  const reader = stream.getReader();
  const parts = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > MEMBER_BYTES_MAX) {
        await reader.cancel();
        throw new XlsxError("工作表过大", "the worksheet is too large");
      }
      parts.push(value);
    }
  } catch (e) {
    if (e instanceof XlsxError) throw e;
    throw new XlsxError("文件已损坏 (解压失败)", "the file is damaged (it does not inflate)");
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const part of parts) { out.set(part, o); o += part.length; }
  return out;
}

async function memberXml(bytes, members, name) {
  const m = members.get(name);
  if (!m) return null;
  const text = new TextDecoder("utf-8").decode(await memberBytes(bytes, m));
  const doc = new DOMParser().parseFromString(text, "application/xml");
  if (doc.getElementsByTagName("parsererror").length) {
    throw new XlsxError(`文件已损坏 (${name} 不是有效的 XML)`, `the file is damaged (${name} is not valid XML)`);
  }
  return doc;
}

const byName = (node, local) => Array.from(node.getElementsByTagNameNS("*", local));

/** A target of a relationship, as a path inside the zip (relative to `base`'s folder). */
function resolveTarget(base, target) {
  if (target.startsWith("/")) return target.slice(1);
  const parts = base.split("/").slice(0, -1);
  for (const seg of target.split("/")) {
    if (seg === "..") parts.pop();
    else if (seg && seg !== ".") parts.push(seg);
  }
  return parts.join("/");
}

/** The path of the first sheet and of the shared strings, from the workbook and its rels. */
async function locate(bytes, members) {
  let sheet = null;
  let strings = members.has("xl/sharedStrings.xml") ? "xl/sharedStrings.xml" : null;
  const workbook = await memberXml(bytes, members, "xl/workbook.xml");
  const rels = await memberXml(bytes, members, "xl/_rels/workbook.xml.rels");
  if (workbook && rels) {
    const first = byName(workbook, "sheet")[0];
    const rid = first && (first.getAttributeNS(NS_REL, "id") || first.getAttribute("r:id"));
    for (const r of byName(rels, "Relationship")) {
      const target = resolveTarget("xl/workbook.xml", r.getAttribute("Target") || "");
      if (rid && r.getAttribute("Id") === rid) sheet = target;
      if ((r.getAttribute("Type") || "").endsWith("/sharedStrings") && members.has(target)) strings = target;
    }
  }
  if (!sheet || !members.has(sheet)) {
    const sheets = Array.from(members.keys()).filter((k) => /^xl\/worksheets\/[^/]+\.xml$/.test(k)).sort();
    sheet = members.has("xl/worksheets/sheet1.xml") ? "xl/worksheets/sheet1.xml" : sheets[0];
  }
  if (!sheet) throw new XlsxError("文件中没有工作表", "the file holds no worksheet");
  return { sheet, strings };
}

/** The text of a string item (<si> or <is>): its <t> runs, phonetic runs (<rPh>) left out. */
function runText(node) {
  return byName(node, "t")
    .filter((t) => !(t.parentNode && t.parentNode.localName === "rPh"))
    .map((t) => t.textContent)
    .join("");
}

/** "B12" → 1 (zero-based column), or -1. */
function columnOf(ref) {
  const m = /^([A-Z]+)\d*$/.exec(ref || "");
  if (!m) return -1;
  let n = 0;
  for (const ch of m[1]) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

/**
 * Reads the first worksheet of an .xlsx file (an ArrayBuffer or Uint8Array) into rows of
 * text cells. Empty rows come back as empty arrays, so row numbers stay those of the sheet.
 * Throws XlsxError with a Chinese and an English message.
 */
export async function readFirstSheet(input) {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (bytes.length > XLSX_BYTES_MAX) {
    throw new XlsxError(`文件超过 ${XLSX_BYTES_MAX / 1024 / 1024} MB`, `the file is larger than ${XLSX_BYTES_MAX / 1024 / 1024} MB`);
  }
  const members = centralDirectory(bytes);
  const { sheet, strings } = await locate(bytes, members);
  const shared = [];
  if (strings) {
    const doc = await memberXml(bytes, members, strings);
    for (const si of byName(doc, "si")) shared.push(runText(si));
  }
  const doc = await memberXml(bytes, members, sheet);
  const rows = [];
  for (const row of byName(doc, "row")) {
    const r = Number(row.getAttribute("r")) || rows.length + 1;
    if (r > ROWS_MAX) throw new XlsxError(`工作表超过 ${ROWS_MAX} 行`, `the worksheet has more than ${ROWS_MAX} rows`);
    while (rows.length < r - 1) rows.push([]);
    const cells = [];
    for (const c of Array.from(row.children).filter((x) => x.localName === "c")) {
      let col = columnOf(c.getAttribute("r"));
      if (col < 0) col = cells.length;
      if (col >= COLUMNS_MAX) continue;
      const type = c.getAttribute("t") || "n";
      const v = Array.from(c.children).find((x) => x.localName === "v");
      const raw = v ? v.textContent : "";
      let text;
      if (type === "s") text = shared[Number(raw)] ?? "";
      else if (type === "inlineStr") {
        const is = Array.from(c.children).find((x) => x.localName === "is");
        text = is ? runText(is) : "";
      } else if (type === "b") text = raw === "1" ? "TRUE" : raw === "0" ? "FALSE" : raw;
      else if (type === "e") text = "";
      else text = raw;
      while (cells.length < col) cells.push("");
      cells[col] = text;
    }
    rows.push(cells);
  }
  return rows;
}
