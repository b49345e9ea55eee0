// Renders docs/configuration.md from the settings table, so the reference cannot drift from the code
// (a test compares the committed file with this output).
import { SETTINGS, type Setting } from './settings.js';

const show = (v: unknown): string => {
  if (v === undefined) return '(unset)';
  if (typeof v === 'object' && v !== null && 'min' in v && 'max' in v) return `\`${v.min}-${v.max}\``;
  if (typeof v === 'boolean') return v ? '`on`' : '`off`';
  return `\`${String(v)}\``;
};

export function renderConfigDoc(): string {
  const rows = Object.entries(SETTINGS).map(([key, s]: [string, Setting]) => {
    const secret = s.secret ? ' Secret: never logged.' : '';
    return `| \`${s.env}\` | \`${key}\` | ${show(s.default)} | ${s.expected} | ${s.doc}${secret} |`;
  });
  return `# Configuration

<!-- Generated from src/server/config/settings.ts by renderConfigDoc(); edit the settings, not this file. -->

Parley reads its settings from, in order of precedence:

1. environment variables (\`PARLEY_HTTP_PORT=9000\`);
2. a JSON file named by \`PARLEY_CONFIG\`, whose keys are the names in the "file key" column
   (\`{ "httpPort": 9000, "mediaPorts": "20000-20999", "registrarUsers": { "1001": "secret1" } }\`);
3. the defaults below, which bind everything to loopback (127.0.0.1).

Every value is checked at start; a bad one stops the server with a message naming it, for example
\`PARLEY_MEDIA_PORTS: expected a range like 20000-20999 (ports 1024-65535, low-high)\`. Unknown keys in the file
are refused too, so that a typo does not go unnoticed.

| variable | file key | default | expected | meaning |
| --- | --- | --- | --- | --- |
${rows.join('\n')}
`;
}
