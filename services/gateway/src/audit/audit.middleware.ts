import type { Request, RequestHandler, Response } from 'express';
import type { GatewayRequestState } from '../request-state';
import { stateOf } from '../request-state';
import type { AuditRow } from './audit.repository';
import type { AuditWriter } from './audit.writer';
import { maskSecrets } from './mask';
import { storableAuditRow } from './storable';

export const AUDIT_CAPTURE_BYTES = 64 * 1024;
/** nginx's convention for "the client went away before we answered". */
const CLIENT_CLOSED_REQUEST = 499;

/** Records every API request once it is over (answered or abandoned), without delaying it. */
export function auditTrail(writer: AuditWriter): RequestHandler {
  return (req, res, next) => {
    const state = stateOf(req);
    res.once('close', () => {
      writer.record(auditRowOf(req, res, state), state.apiKey?.apiKeyId);
    });
    next();
  };
}

function auditRowOf(req: Request, res: Response, state: GatewayRequestState): AuditRow {
  const status = res.headersSent ? res.statusCode : CLIENT_CLOSED_REQUEST;
  const identity = req.identity;
  return storableAuditRow({
    timestamp: state.startedAt,
    user_id: identity?.userId ?? null,
    username: identity?.username ?? null,
    action_type: req.method,
    target_endpoint: req.path,
    request_method: req.method,
    request_payload: payloadOf(req, state),
    response_status: status,
    duration_ms: Math.round(performance.now() - state.startedAtMs),
    ip_address: state.ip,
    user_agent: req.headers['user-agent'] ?? null,
    error_message: status >= 400 ? (state.errorMessage ?? null) : null,
  });
}

/** The masked JSON body, or a marker saying why it is not recorded; null when there was no body. */
function payloadOf(req: Request, state: GatewayRequestState): string | null {
  const declared = req.headers['content-length'];
  const hasBody =
    (declared !== undefined && declared !== '0') || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody) return null;
  const meter = state.body;
  const omitted = (reason: string) => JSON.stringify({ _omitted: reason });
  if (state.upload) return omitted(`upload stream (${meter?.bytes ?? declared ?? 'unknown'} bytes)`);
  if (meter === undefined)
    return omitted(state.bodyNote ?? 'body not read: the request was answered before forwarding');
  if (state.bodyRejected) return omitted(`body over the limit (more than ${meter.bytes - 1} bytes)`);
  const type = req.headers['content-type'] ?? 'none';
  if (!isJson(type)) return omitted(`non-JSON body (${type.slice(0, 100)}, ${meter.bytes} bytes)`);
  if (meter.overCapture) return omitted(`JSON body over ${AUDIT_CAPTURE_BYTES} bytes (${meter.bytes} bytes)`);
  const body = meter.capturedBody();
  if (body === null) return omitted('body incomplete when the request ended');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return omitted(`invalid JSON (${meter.bytes} bytes)`);
  }
  return JSON.stringify(maskSecrets(parsed));
}

function isJson(contentType: string): boolean {
  const type = contentType.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || type.endsWith('+json');
}
