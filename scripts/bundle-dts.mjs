// Rolls the SDK's declaration files (tsc's output, one per module) into one self-contained .d.ts: the file
// a page's developer downloads from /sdk/parley.d.ts and compiles against, with no other file and no
// package beside it. It refuses, rather than emit a broken file, when a declaration imports a package (the
// SDK's public API must not need @sinclair/typebox or anything else), renames an import, or when two
// modules declare the same name.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const IMPORT = /^import\s+(?:type\s+)?(?:[\s\S]*?)\s+from\s+'([^']+)';\s*$/gm;
const EXPORT_FROM = /^export\s+(type\s+)?\{([\s\S]*?)\}\s+from\s+'([^']+)';\s*$/gm;
const EXPORT_STAR = /^export\s+\*/m;
const DECLARATION =
  /^(?:export\s+)?(?:declare\s+)?(?:abstract\s+)?(?:class|interface|type|const|let|var|function|enum|namespace)\s+([A-Za-z_$][\w$]*)/gm;

const toFile = (from, spec) => resolve(dirname(from), spec.replace(/\.js$/, '.d.ts'));

/**
 * @param {string} entry the entry module's .d.ts (tsc output)
 * @param {string} banner a comment put first
 * @returns {string} one .d.ts whose exports are the entry's
 */
export function bundleDeclarations(entry, banner) {
  const order = [];
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    if (EXPORT_STAR.test(text)) throw new Error(`bundle-dts: export * in ${file} is not supported`);
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? '';
      if (!spec.startsWith('.')) throw new Error(`bundle-dts: ${file} imports the package '${spec}'`);
      if (/\bas\b/.test(m[0])) throw new Error(`bundle-dts: renamed import in ${file}: ${m[0]}`);
      visit(toFile(file, spec));
    }
    for (const m of text.matchAll(EXPORT_FROM)) {
      const spec = m[3] ?? '';
      if (!spec.startsWith('.')) throw new Error(`bundle-dts: ${file} re-exports the package '${spec}'`);
      if (/\bas\b/.test(m[2] ?? '')) throw new Error(`bundle-dts: renamed export in ${file}: ${m[0]}`);
      visit(toFile(file, spec));
    }
    order.push({ file, text });
  };
  visit(resolve(entry));

  const declaredIn = new Map();
  const parts = [];
  let exports = '';
  for (const { file, text } of order) {
    const isEntry = file === resolve(entry);
    for (const m of text.matchAll(DECLARATION)) {
      const name = m[1] ?? '';
      const other = declaredIn.get(name);
      if (other !== undefined && other !== file)
        throw new Error(`bundle-dts: ${name} is declared in ${other} and ${file}`);
      declaredIn.set(name, file);
    }
    let body = text.replace(IMPORT, '').replace(EXPORT_FROM, (_m, typeOnly, names) => {
      if (isEntry)
        exports += `export ${typeOnly ? 'type ' : ''}{ ${names.replace(/\s+/g, ' ').trim().replace(/,$/, '')} };\n`;
      return '';
    });
    // Inside the bundle, only the entry's exports are exports: the other modules' `export` keywords go.
    if (!isEntry)
      body = body.replace(/^export\s+(?=(?:declare|interface|type|abstract|class|const|function|enum)\b)/gm, '');
    body = body.replace(/^export\s*\{\s*\};?\s*$/gm, '').trim();
    if (body !== '') parts.push(`// ${relative(dirname(resolve(entry)), file).replaceAll('\\', '/')}\n${body}`);
  }
  return `${banner}\n${parts.join('\n\n')}\n\n${exports}`;
}

/** `node scripts/bundle-dts.mjs entry.d.ts`: prints the bundle (for a look by hand). */
if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname) && process.argv[2]) {
  process.stdout.write(bundleDeclarations(join(process.cwd(), process.argv[2]), '// bundle-dts'));
}
