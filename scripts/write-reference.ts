// `npm run docs:reference`: writes docs/reference.md from the registries' own schemas.
import { writeFile } from 'node:fs/promises';
import { referenceMarkdown } from '../src/scenarios/reference.js';

await writeFile(new URL('../docs/reference.md', import.meta.url), referenceMarkdown());
console.log('wrote docs/reference.md');
