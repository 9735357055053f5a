// What the election builder reads from people (web/js/builder.js): JSON with its faults named
// in Chinese with their line and column, candidate tables pasted or imported (CSV in UTF-8 or
// GBK, XLSX through xlsx.js) with a header row mapped to the spec's attributes, and ASCII ids
// made from titles. No DOM: plain functions, so the builder's forms stay apart from parsing.

/** Candidate categories and education levels, as the spec writes them and in words. */
export const CATEGORIES = {
  leader: ["领导干部", "leader"],
  professional: ["专业技术人员", "professional"],
  model_worker: ["先进模范", "model worker"],
  other: ["其他", "other"],
};

export const EDUCATION = {
  none: ["未上学", "none"],
  primary: ["小学", "primary"],
  junior_high: ["初中", "junior high"],
  senior_high: ["高中", "senior high"],
  vocational: ["中专/职高", "vocational"],
  college: ["大专", "college"],
  bachelor: ["本科", "bachelor"],
  postgraduate: ["研究生", "postgraduate"],
};

// ---------------------------------------------------------------- JSON with Chinese errors

/**
 * Parses JSON. `{value}`, or `{error: {zh, en, line, column, pos}}` with a Chinese reason and
 * the 1-based line and column of the first fault (found by a small scanner, so the position
 * does not depend on the browser's own message).
 */
export function parseJson(text) {
  try {
    return { value: JSON.parse(text) };
  } catch {
    const fault = jsonFault(text);
    const before = text.slice(0, fault.pos);
    const line = (before.match(/\n/g) || []).length + 1;
    const column = fault.pos - (before.lastIndexOf("\n") + 1) + 1;
    return { error: { ...fault, line, column } };
  }
}

/** The first fault of a text that JSON.parse refused: {pos, zh, en}. */
function jsonFault(s) {
  let i = 0;
  const FULL_WIDTH = { "，": ",", "：": ":", "｛": "{", "｝": "}", "［": "[", "］": "]", "“": "\"", "”": "\"", "‘": "'", "’": "'" };
  class Fault { constructor(pos, zh, en) { Object.assign(this, { pos, zh, en }); } }
  const fail = (zh, en, at = i) => {
    const c = s[at];
    if (c && FULL_WIDTH[c]) {
      const ascii = FULL_WIDTH[c] === "'" ? "\"" : FULL_WIDTH[c];
      throw new Fault(at, `这里是中文标点「${c}」, JSON 须用英文标点「${ascii}」`, `a full-width 「${c}」: JSON needs the ASCII 「${ascii}」`);
    }
    throw new Fault(at, zh, en);
  };
  const ws = () => { while (i < s.length && " \t\n\r".includes(s[i])) i += 1; };
  const end = (what, en) => fail(`内容意外结束, 缺少 ${what}`, `unexpected end: ${en} is missing`);
  function string() {
    const start = i;
    i += 1;
    for (;;) {
      if (i >= s.length) fail("字符串缺少结束的英文双引号 \"", "a string has no closing double quote", start);
      const c = s[i];
      if (c === "\"") { i += 1; return; }
      if (c === "\\") {
        const e = s[i + 1];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) fail("\\u 后须有 4 位十六进制数", "\\u needs four hex digits");
          i += 6;
        } else if (e !== undefined && "\"\\/bfnrt".includes(e)) {
          i += 2;
        } else {
          fail(`无效的转义 “\\${e ?? ""}” (反斜杠须写成 \\\\)`, `a bad escape “\\${e ?? ""}” (write a backslash as \\\\)`);
        }
        continue;
      }
      if (c < " ") fail("字符串中不能直接换行或含控制字符 (换行请写 \\n)", "a line break or control character inside a string (write \\n)");
      i += 1;
    }
  }
  function number() {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(s.slice(i));
    if (!m || !m[0] || m[0] === "-") fail("数字格式不对", "a malformed number");
    i += m[0].length;
    if (/[0-9.eE]/.test(s[i] || "")) fail("数字格式不对 (例如多余的 0 或小数点)", "a malformed number (a leading zero or a stray point)");
  }
  function value() {
    ws();
    if (i >= s.length) end("值", "a value");
    const c = s[i];
    if (c === "{") return object();
    if (c === "[") return array();
    if (c === "\"") return string();
    if (c === "-" || (c >= "0" && c <= "9")) return number();
    for (const lit of ["true", "false", "null"]) {
      if (s.startsWith(lit, i)) { i += lit.length; return undefined; }
    }
    if (c === "'") fail("字符串须用英文双引号 \"…\", 不能用单引号", "strings need double quotes, not single quotes");
    if (c === "}" || c === "]") fail(`此处缺少值, 不应出现 “${c}” (可能多了一个逗号)`, `a value is missing before “${c}” (a comma too many?)`);
    return fail(`此处不应出现 “${c}”; 字符串须加英文双引号`, `unexpected “${c}”; strings need double quotes`);
  }
  function members(close, closeName, item) {
    i += 1;
    ws();
    if (s[i] === close) { i += 1; return; }
    for (;;) {
      ws();
      if (i >= s.length) end(closeName, closeName);
      if (s[i] === close) fail(`最后一项后面多了逗号`, `a comma after the last item`, lastComma);
      item();
      ws();
      if (s[i] === ",") { lastComma = i; i += 1; continue; }
      if (s[i] === close) { i += 1; return; }
      if (i >= s.length) end(closeName, closeName);
      fail(`此处缺少逗号或 ${closeName}`, `a comma or ${closeName} is missing here`);
    }
  }
  let lastComma = 0;
  function object() {
    members("}", "}", () => {
      if (s[i] === "'") fail("属性名须用英文双引号 \"…\", 不能用单引号", "property names need double quotes, not single quotes");
      if (s[i] !== "\"") fail("此处应为带英文双引号的属性名, 如 \"title\"", "a property name in double quotes is expected here, e.g. \"title\"");
      string();
      ws();
      if (s[i] !== ":") fail("属性名后缺少冒号 :", "a colon is missing after the property name");
      i += 1;
      value();
    });
  }
  function array() { members("]", "]", value); }
  try {
    ws();
    if (i >= s.length) return { pos: 0, zh: "内容为空", en: "the text is empty" };
    value();
    ws();
    if (i < s.length) fail("JSON 已结束, 后面还有多余的内容", "extra content after the JSON");
    return { pos: 0, zh: "无法读取", en: "unreadable" };
  } catch (e) {
    if (e instanceof Fault) return e;
    return { pos: 0, zh: "无法读取", en: "unreadable" };
  }
}

// ---------------------------------------------------------------- tables: CSV, paste, XLSX

/** Splits delimited text into rows of cells (RFC 4180 quotes; \r\n, \n or \r). */
export function parseDelimited(text, delim) {
  const rows = [];
  let row = [];
  let field = "";
  let quoted = false;
  let fieldStart = true;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === "\"") {
        if (text[i + 1] === "\"") { field += "\""; i += 1; } else quoted = false;
      } else field += c;
      continue;
    }
    if (c === "\"" && fieldStart) { quoted = true; fieldStart = false; continue; }
    if (c === delim) { row.push(field); field = ""; fieldStart = true; continue; }
    if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      fieldStart = true;
      continue;
    }
    field += c;
    fieldStart = false;
  }
  if (field !== "" || row.length) { row.push(field); rows.push(row); }
  return rows;
}

/** The delimiter of a table's first line: tab, comma, full-width comma or semicolon. */
export function detectDelimiter(text) {
  const first = text.split(/\r?\n/, 1)[0] || "";
  let best = ",";
  let most = 0;
  for (const d of ["\t", ",", "，", ";", "；"]) {
    const n = first.split(d).length - 1;
    if (n > most) { most = n; best = d; }
  }
  return best;
}

/** Decodes a CSV file: UTF-8 (BOM dropped), or GB18030 (Excel's default in China). */
export function decodeText(buffer) {
  const bytes = new Uint8Array(buffer);
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes).replace(/^\uFEFF/, ""), gbk: false };
  } catch {
    return { text: new TextDecoder("gb18030").decode(bytes), gbk: true };
  }
}

const HEADER_KEYS = {
  name: ["姓名", "名字", "候选人", "候选人姓名", "被测评人", "测评对象", "对象", "名称", "name", "candidate", "subject"],
  id: ["id"],
  gender: ["性别", "gender", "sex"],
  age: ["年龄", "age"],
  ethnicity: ["民族", "ethnicity", "nation"],
  minority: ["少数民族", "是否少数民族", "ethnic_minority", "minority"],
  category: ["类别", "身份", "身份类别", "代表类别", "构成", "category"],
  education: ["学历", "文化程度", "最高学历", "education"],
  birth: ["出生日期", "出生年月", "出生年月日", "生日", "birth_date", "birthdate", "born"],
};

/**
 * A birth date as [year, month, day] (month and day may be null): 1980-05-01, 1980/5/1,
 * 1980.05, 1980年5月, 198005, 19800501, or an Excel date serial (days since 1899-12-30,
 * which is how an .xlsx holds a date cell).
 */
function birthDate(raw) {
  const v = String(raw).trim();
  let m = /^(\d{4})\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2})\s*日?|\s*月?)?$/.exec(v);
  if (m) return [Number(m[1]), Number(m[2]), m[3] ? Number(m[3]) : null];
  if ((m = /^(\d{4})(\d{2})(\d{2})?$/.exec(v))) return [Number(m[1]), Number(m[2]), m[3] ? Number(m[3]) : null];
  // Serials from 1919 to 2119; a bare year such as 1980 is not a date.
  if (/^\d{4,5}(\.\d+)?$/.test(v) && Number(v) >= 7000 && Number(v) < 80000) {
    const d = new Date(Date.UTC(1899, 11, 30) + Math.floor(Number(v)) * 86400000);
    return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
  }
  return null;
}

/** Whole years from a birth date to `on` ("yyyy-mm-dd"); a missing day counts as the 1st. */
function ageOn(birth, on) {
  const [y, m, d] = birth;
  const [oy, om, od] = on.split("-").map(Number);
  if (!(m >= 1 && m <= 12) || y < 1850 || y > oy) return null;
  let age = oy - y;
  if (om < m || (om === m && od < (d || 1))) age -= 1;
  return age >= 0 && age <= 150 ? age : null;
}
const normHeader = (h) => String(h ?? "").replace(/^\uFEFF/, "").replace(/[(（][^)）]*[)）]/g, "").replace(/\s+/g, "").toLowerCase();
function headerKey(h) {
  const n = normHeader(h);
  for (const [key, names] of Object.entries(HEADER_KEYS)) if (names.includes(n)) return key;
  return null;
}

/** Reads one attribute value by its column. `{value}` or `{bad: true}`. */
function attrValue(key, raw) {
  const v = String(raw).trim();
  const low = v.toLowerCase();
  switch (key) {
    case "gender":
      if (["女", "女性", "f", "female"].includes(low)) return { value: "female" };
      if (["男", "男性", "m", "male"].includes(low)) return { value: "male" };
      return { bad: true };
    case "age": {
      const m = /^(\d{1,3})(\.0+)?\s*(岁)?$/.exec(v);
      if (m && Number(m[1]) <= 150) return { value: String(Number(m[1])) };
      return { bad: true };
    }
    case "ethnicity":
      if (["汉", "汉族", "han"].includes(low)) return { value: "no" };
      if (v) return { value: "yes" };
      return { bad: true };
    case "minority":
      if (["是", "yes", "y", "true", "1", "√", "✓"].includes(low)) return { value: "yes" };
      if (["否", "no", "n", "false", "0", "×"].includes(low)) return { value: "no" };
      return { bad: true };
    case "category":
      if (CATEGORIES[low]) return { value: low };
      if (/领导/.test(v)) return { value: "leader" };
      if (/专业|专技|技术/.test(v)) return { value: "professional" };
      if (/模范|劳模|先进/.test(v)) return { value: "model_worker" };
      if (/其他|其它|other/.test(low)) return { value: "other" };
      return { bad: true };
    case "education":
      if (EDUCATION[low]) return { value: low };
      if (/研究生|硕士|博士/.test(v)) return { value: "postgraduate" };
      if (/本科|大学/.test(v)) return { value: "bachelor" };
      if (/大专|专科/.test(v)) return { value: "college" };
      if (/中专|职高|技校|中职|职业/.test(v)) return { value: "vocational" };
      if (/高中/.test(v)) return { value: "senior_high" };
      if (/初中/.test(v)) return { value: "junior_high" };
      if (/小学/.test(v)) return { value: "primary" };
      if (/文盲|未上学|无/.test(v)) return { value: "none" };
      return { bad: true };
    default:
      return { bad: true };
  }
}

/** Guesses which attribute a bare value of a pasted line is (男, 45, 汉族, 本科, 领导干部). */
function guessAttr(raw) {
  const v = String(raw).trim();
  if (!v) return null;
  if (/^(男|女|男性|女性|male|female)$/i.test(v)) return { key: "gender", value: attrValue("gender", v).value };
  if (/^\d{1,3}\s*岁?$/.test(v) && Number(v.replace(/\D/g, "")) <= 150) return { key: "age", value: attrValue("age", v).value };
  if (/族$/.test(v) || /^少数民族$/.test(v)) return { key: "ethnicity", value: v === "少数民族" ? "yes" : attrValue("ethnicity", v).value };
  if (/研究生|硕士|博士|本科|大学|大专|专科|中专|职高|技校|高中|初中|小学/.test(v)) return { key: "education", value: attrValue("education", v).value };
  if (/领导干部|专业技术|先进模范|劳动模范|劳模/.test(v)) return { key: "category", value: attrValue("category", v).value };
  return null;
}

/**
 * People from a table whose first non-empty row is a header: a name column (姓名 / name) and
 * attribute columns. `{people: [{name, id?, attrs, other}], warnings: [{zh, en}]}` or `{error}`.
 */
export function tableToPeople(rows, electionDay = "") {
  const today = new Date();
  const on = /^\d{4}-\d{2}-\d{2}$/.test(electionDay) ? electionDay
    : `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, "0")}-${String(today.getDate()).padStart(2, "0")}`;
  let fromBirth = 0;
  const start = rows.findIndex((r) => r.some((c) => String(c).trim()));
  if (start < 0) return { error: { zh: "文件是空的", en: "the file is empty" } };
  const header = rows[start].map((h) => String(h ?? "").trim());
  const keys = header.map(headerKey);
  const nameCol = keys.indexOf("name");
  if (nameCol < 0) {
    return { error: { zh: `首行须为表头, 并有 “姓名” (或 name) 一列; 首行是: ${header.join(", ")}`, en: `the first row must be a header with a “name” (姓名) column; it is: ${header.join(", ")}` } };
  }
  const people = [];
  const warnings = [];
  for (let r = start + 1; r < rows.length; r += 1) {
    const row = rows[r];
    if (!row.some((c) => String(c ?? "").trim())) continue;
    const line = r + 1;
    const name = String(row[nameCol] ?? "").trim();
    if (!name) {
      warnings.push({ zh: `第 ${line} 行没有姓名, 已跳过`, en: `row ${line} has no name and was skipped` });
      continue;
    }
    const p = { name, attrs: {}, other: {} };
    keys.forEach((key, col) => {
      if (col === nameCol) return;
      const raw = String(row[col] ?? "").trim();
      if (!raw) return;
      if (key === "id") { p.id = raw; return; }
      if (key === "birth") {
        // The age on election day is what the structure targets need; the date itself is
        // not written into the spec (it would be published with the log).
        const b = birthDate(raw);
        const age = b && ageOn(b, on);
        if (age === null || age === undefined) {
          warnings.push({ zh: `第 ${line} 行 “${header[col]}” 的 “${raw}” 不是日期, 已忽略`, en: `row ${line}: “${raw}” in “${header[col]}” is not a date and was left out` });
        } else if (!keys.includes("age")) {
          p.attrs.age = String(age);
          fromBirth += 1;
        }
        return;
      }
      if (key) {
        const v = attrValue(key, raw);
        if (v.bad) {
          warnings.push({ zh: `第 ${line} 行 “${header[col]}” 的 “${raw}” 无法识别, 记为其他属性`, en: `row ${line}: “${raw}” in “${header[col]}” is not understood; kept as another attribute` });
          p.other[header[col]] = raw;
        } else {
          p.attrs[key === "ethnicity" ? "minority" : key] = v.value;
        }
        return;
      }
      p.other[header[col] || `列${col + 1}`] = raw;
    });
    people.push(p);
  }
  if (fromBirth) {
    warnings.unshift(electionDay
      ? { zh: `年龄按出生日期算到选举日 ${on}; 出生日期本身不写入规格`, en: `ages are counted from the birth dates to election day ${on}; the dates themselves stay out of the spec` }
      : { zh: `尚未填写选举日, 年龄按出生日期算到今天 (${on}); 出生日期本身不写入规格`, en: `no election day yet: ages are counted from the birth dates to today (${on}); the dates themselves stay out of the spec` });
  }
  return { people, warnings };
}

/** People from pasted text: one per line, "姓名[,属性…]", or a table with a header row. */
export function pasteToPeople(text, electionDay = "") {
  const lines = text.split(/\r?\n/).filter((l) => l.trim());
  if (!lines.length) return { people: [], warnings: [] };
  const delim = detectDelimiter(text);
  const firstCells = lines[0].split(delim).map(normHeader);
  if (firstCells.some((c) => HEADER_KEYS.name.includes(c))) return tableToPeople(parseDelimited(text, delim), electionDay);
  // One line of names separated by 、 or ;: several people.
  if (lines.length === 1 && !/[\t,，]/.test(lines[0]) && /[、;；]/.test(lines[0])) {
    return { people: lines[0].split(/[、;；]/).map((n) => n.trim()).filter(Boolean).map((name) => ({ name, attrs: {}, other: {} })), warnings: [] };
  }
  const people = [];
  for (const line of lines) {
    const cells = line.split(/\t|,|，/).map((c) => c.trim());
    const p = { name: cells[0], attrs: {}, other: {} };
    const notes = [];
    for (const cell of cells.slice(1)) {
      const g = guessAttr(cell);
      if (g && g.value !== undefined) p.attrs[g.key === "ethnicity" ? "minority" : g.key] = g.value;
      else if (cell) notes.push(cell);
    }
    if (notes.length) p.other["备注"] = notes.join("；");
    if (p.name) people.push(p);
  }
  return { people, warnings: [] };
}

// ---------------------------------------------------------------- ids

/** An ASCII id from a title ("Town Committee 2026" → "town-committee-2026"), or "". */
export function slug(text) {
  return String(text || "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40).replace(/-+$/, "");
}

