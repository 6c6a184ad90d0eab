import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { throwError, type Observable } from 'rxjs';

const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  503: 'unavailable',
};

function isErrorBody(b: unknown): b is { error: { code: string; message: string } } {
  if (typeof b !== 'object' || b === null || !('error' in b)) return false;
  const e = b.error;
  return typeof e === 'object' && e !== null && 'code' in e && 'message' in e;
}

/**
 * Every HTTP error leaves the hub as `{ error: { code, message } }`: errors thrown with that body pass through,
 * Nest's own (unknown route, body parser) are reshaped, anything else is a 500 whose detail goes to the log only.
 */
@Catch()
export class ApiErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): Observable<never> | void {
    // RPC/MQTT contexts keep Nest's default handling.
    if (host.getType() !== 'http') return throwError(() => exception);
    const res = host.switchToHttp().getResponse<ServerResponse>();
    let status: number = HttpStatus.INTERNAL_SERVER_ERROR;
    let body: { error: { code: string; message: string } };
    if (exception instanceof HttpException) {
      status = exception.getStatus();
      const r = exception.getResponse();
      if (isErrorBody(r)) body = r;
      else {
        const msg = typeof r === 'string' ? r : (r as { message?: unknown }).message;
        body = {
          error: {
            code: CODE_BY_STATUS[status] ?? `http_${status}`,
            message: Array.isArray(msg) ? msg.join('; ') : typeof msg === 'string' ? msg : exception.message,
          },
        };
      }
    } else {
      this.log.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
      body = { error: { code: 'internal', message: 'internal error: see the hub log' } };
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.statusCode = status;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(body));
  }
}
