import { Controller, Get, Injectable, type INestApplication } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExcludeController,
  DocumentBuilder,
  type OpenAPIObject,
  SwaggerModule,
} from '@nestjs/swagger';
import { HUB_VERSION } from './api-docs.js';
import { BEARER } from './dto/common.dto.js';
import { applyHttpSecurity } from './http-security.js';

/** Holds the OpenAPI document, built once the app's routes are all known (see `configureHubHttp`). */
@Injectable()
export class OpenApiDocument {
  document: OpenAPIObject | null = null;
}

/** `GET /api/v1/openapi.json`, behind the bearer guard like every other API route. */
@ApiExcludeController()
@ApiBearerAuth(BEARER)
@Controller('api/v1')
export class OpenApiController {
  constructor(private readonly holder: OpenApiDocument) {}

  @Get('openapi.json')
  openapi(): OpenAPIObject | { error: { code: string; message: string } } {
    return (
      this.holder.document ?? {
        error: { code: 'not_ready', message: 'OpenAPI document not built: call configureHubHttp(app)' },
      }
    );
  }
}

/**
 * HTTP set-up that needs the application object: security headers (helmet, no-store on the API) and the
 * OpenAPI document built from every controller (hub-core's too). Call it after `NestFactory.create` and before
 * `listen`.
 */
export function configureHubHttp(app: INestApplication): void {
  applyHttpSecurity(app);
  const config = new DocumentBuilder()
    .setTitle('Watchpost hub')
    .setDescription(
      'Fleet security posture of AKS hybrid and AKS clusters. Every route but /healthz, /readyz and enrollment needs "Authorization: Bearer <token>".',
    )
    .setVersion(HUB_VERSION)
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        // Opaque: `wpt_` + 256 random bits, checked against its SHA-256 in the hub's database; not a JWT.
        bearerFormat: 'opaque',
        description:
          'API token from `watchpost-hub token create --role viewer|operator|admin` (or POST /api/v1/api-tokens): an opaque string starting with wpt_ (not a signed, self-describing token).',
      },
      BEARER,
    )
    .build();
  app.get(OpenApiDocument).document = SwaggerModule.createDocument(app, config);
}
