import { Module } from '@nestjs/common';
import { WebAssets } from './web-assets.js';
import { WebController } from './web.controller.js';

/** The fleet web page at `/` (static files from src/web/static). */
@Module({ controllers: [WebController], providers: [WebAssets] })
export class WebModule {}
