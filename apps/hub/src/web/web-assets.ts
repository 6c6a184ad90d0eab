import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Injectable } from '@nestjs/common';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The static files live in src/web/static (no build step): found from src (tests, tsx) and from dist. */
function staticDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'static'), join(here, '..', '..', '..', 'src', 'web', 'static')];
  const found = candidates.find((d) => existsSync(join(d, 'index.html')));
  if (!found) throw new Error(`web page files not found (looked in ${candidates.join(', ')})`);
  return found;
}

/**
 * The page's files (HTML, ES modules, stylesheet, icon), read once at start-up: the set of names is fixed then,
 * so a request can only ever name one of them.
 */
@Injectable()
export class WebAssets {
  private readonly files = new Map<string, { body: Buffer; contentType: string }>();

  constructor() {
    const dir = staticDir();
    for (const name of readdirSync(dir).sort()) {
      const contentType = TYPES[extname(name)];
      if (contentType) this.files.set(name, { body: readFileSync(join(dir, name)), contentType });
    }
  }

  get(name: string): { body: Buffer; contentType: string } | undefined {
    return this.files.get(name);
  }

  names(): string[] {
    return [...this.files.keys()];
  }
}
