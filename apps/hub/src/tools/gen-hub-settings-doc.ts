import { readFileSync, writeFileSync } from 'node:fs';
import { withSettingsTable } from '../config/settings-table.js';

// Regenerates the settings table in docs/hub.md:
//   npx tsx --conditions=watchpost-source apps/hub/src/tools/gen-hub-settings-doc.ts
const file = new URL('../../../../docs/hub.md', import.meta.url);
writeFileSync(file, withSettingsTable(readFileSync(file, 'utf8')));
console.log('docs/hub.md: settings table regenerated');
