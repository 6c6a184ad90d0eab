import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Injectable } from '@nestjs/common';

const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

/** The static files live in src/web/static (no build step): found from src (tests, tsx) and from dist. */
function staticDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'static'), join(here, '..', '..', '..', 'src', 'web', 'static')];
  const found = candidates.find((d) => existsSync(join(d, 'index.html')));
  if (!found) throw new Error(`web page files not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** The page's files, read once at start-up. */
@Injectable()
export class WebAssets {
  private readonly files = new Map<string, { body: Buffer; contentType: string }>();

  constructor() {
    const dir = staticDir();
    for (const [name, contentType] of Object.entries(FILES))
      this.files.set(name, { body: readFileSync(join(dir, name)), contentType });
  }

  get(name: string): { body: Buffer; contentType: string } | undefined {
    return this.files.get(name);
  }
}
