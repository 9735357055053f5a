// Names in their canonical form, as the server's `src/record/names.rs` (`clean_name`) gives
// it: the kiosk refuses the same write-ins before it encrypts them, with the same code and
// message, because the server cannot read an encrypted write-in (a name it would have refused
// counts for no one: src/count.rs).
//
// Refused (the first offending character, as U+XXXX with its 1-based position among the
// characters typed):
//   name_control_character  General_Category Cc inside the name (a tab, a line break);
//   name_format_character   General_Category Cf (bidi controls, zero-width characters, the
//                           soft hyphen, tags, ...) and every other Default_Ignorable_Code_Point
//                           (variation selectors, U+034F, Hangul fillers); also a lone
//                           surrogate, which no UTF-8 name can hold;
//   name_empty              nothing left once whitespace is trimmed.
// Then: White_Space trimmed at both ends; inside, each run of White_Space becomes one space,
// or nothing between two Han characters (王　五 is 王五); then NFC.
//
// Unicode property escapes (`\p{…}`) use the browser's own Unicode data; tests/names.rs runs
// this file in Node against the Rust function on the same cases.

const WHITE_SPACE = /^\p{White_Space}$/u;
const CONTROL = /^\p{Cc}$/u;
const FORMAT = /^[\p{Cf}\p{Default_Ignorable_Code_Point}\p{Cs}]$/u;
const HAN = /^\p{Script=Han}$/u;

/** `U+202E`: a code point as Unicode writes it (at least four hex digits). */
export function codePoint(ch) {
  return `U+${ch.codePointAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
}

function refusal(code, ch, position) {
  const cp = codePoint(ch);
  const [zh, en] = code === "name_control_character"
    ? [`名称含控制字符 ${cp} (第 ${position} 个字符)`, `the name contains the control character ${cp} at position ${position}`]
    : [`名称含不可见或方向控制字符 ${cp} (第 ${position} 个字符)`, `the name contains the invisible or direction character ${cp} at position ${position}`];
  return { ok: false, code, zh, en, message: `${zh} / ${en}` };
}

/**
 * The canonical form of a name: `{ok: true, name}`, or `{ok: false, code, zh, en, message}`
 * with the server's code and message.
 */
export function cleanName(raw) {
  const chars = [...String(raw ?? "")];
  const ws = (c) => WHITE_SPACE.test(c);
  const first = chars.findIndex((c) => !ws(c));
  if (first < 0) {
    return { ok: false, code: "name_empty", zh: "名称为空", en: "the name is empty", message: "名称为空 / the name is empty" };
  }
  let last = chars.length - 1;
  while (ws(chars[last])) last--;
  const inner = chars.slice(first, last + 1);
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (CONTROL.test(c)) return refusal("name_control_character", c, first + i + 1);
    if (FORMAT.test(c)) return refusal("name_format_character", c, first + i + 1);
  }
  let out = "";
  for (let i = 0; i < inner.length;) {
    if (!ws(inner[i])) {
      out += inner[i];
      i++;
      continue;
    }
    let end = i;
    while (end < inner.length && ws(inner[end])) end++;
    // The ends are trimmed, so a run inside has a character on either side.
    if (!(HAN.test(inner[i - 1]) && HAN.test(inner[end]))) out += " ";
    i = end;
  }
  return { ok: true, name: out.normalize("NFC") };
}
