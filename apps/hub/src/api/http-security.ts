import type { INestApplication } from '@nestjs/common';
import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Security headers on every answer (helmet: `X-Content-Type-Options: nosniff`, HSTS, frame and referrer
 * policies, no `X-Powered-By`), and `Cache-Control: no-store` on the API, whose answers carry fleet posture and
 * tokens that no proxy or browser cache should keep. The web page sets its own Content-Security-Policy (it
 * knows its assets), so helmet's default one is left off here.
 */
export function applyHttpSecurity(app: INestApplication): void {
  app.use(
    helmet({
      contentSecurityPolicy: false,
      // One year, subdomains included: the hub is only meant to be reached over HTTPS.
      strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
    }),
  );
  app.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
    if ((req.url ?? '').startsWith('/api/')) res.setHeader('Cache-Control', 'no-store');
    next();
  });
}
