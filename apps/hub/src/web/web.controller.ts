import { Controller, Get, Param, Res } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators.js';
import { notFound } from '../api/validation.js';
import { WebAssets } from './web-assets.js';

// The page's own script and style only; the API is same-origin. No inline script, so XSS has nowhere to run.
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/**
 * The web page: static HTML, JS and CSS with no data in them, so they are public; every number on the page
 * comes from the API with the viewer token the user pastes in.
 */
@ApiExcludeController()
@Public()
@Controller()
export class WebController {
  constructor(private readonly assets: WebAssets) {}

  // The app's views are real paths, so a cluster, a check or a filtered findings list is a link an operator can
  // share; each serves the same page, which reads the path.
  @Get(['', 'clusters/:name', 'findings', 'checks', 'checks/:id'])
  index(@Res() res: ServerResponse): void {
    this.send(res, 'index.html');
  }

  // Browsers ask for it on every page; an empty answer keeps 404s out of their consoles.
  @Get('favicon.ico')
  favicon(@Res() res: ServerResponse): void {
    res.statusCode = 204;
    res.end();
  }

  @Get('web/:file')
  asset(@Param('file') file: string, @Res() res: ServerResponse): void {
    if (file === 'index.html') throw notFound(`web asset "${file}"`);
    this.send(res, file);
  }

  private send(res: ServerResponse, file: string): void {
    const a = this.assets.get(file);
    if (!a) throw notFound(`web asset "${file}"`);
    res.statusCode = 200;
    res.setHeader('Content-Type', a.contentType);
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Content-Security-Policy', CSP);
    res.end(a.body);
  }
}
