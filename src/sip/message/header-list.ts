// RFC 3261 §7.3.1: a header field whose grammar is a comma-separated list may be split over several field
// lines, and one field line may hold several elements. Commas inside quoted strings and <...> do not split.

/** Splits a field value at top-level commas, trimming each element. Empty elements are kept (as ''). */
export function splitHeaderList(value: string): string[] {
  if (value.indexOf(',') < 0) return [value.trim()];
  const out: string[] = [];
  let start = 0;
  let angle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22) {
      for (i++; i < value.length; i++) {
        const d = value.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x3c) angle = true;
    else if (c === 0x3e) angle = false;
    else if (c === 0x2c && !angle) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out;
}
