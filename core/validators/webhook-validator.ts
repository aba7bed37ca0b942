// `http://...` / `https://...`: POSTs `{"name","value","transport",
// "remoteAddress","user"}` as JSON over kept-alive connections; 2xx allows,
// 403 and 422 refuse, anything else (a redirect too: none is followed) is an
// error. node:http with a keep-alive agent: about ten times what `fetch`
// does per request here, since most of a webhook call's cost is the client.

import http from 'node:http';
import https from 'node:https';
import type { HookSignal } from '../validation/hook-signal.js';
import type { ValidationRequest } from '../validation/validation.js';
import type { Validator } from '../validation/validator.js';

/** Answer bytes read (and dropped) so the connection can be reused; past it the connection is closed. */
const MAX_BODY_BYTES = 64 * 1024;
/** Idle kept-alive connections are closed after this, before a server's own idle timeout is likely to. */
const IDLE_MS = 4000;

export class WebhookValidator implements Validator {
  readonly name: string;
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;
  private readonly options: http.RequestOptions;

  constructor(url: URL) {
    const secure = url.protocol === 'https:';
    this.request = secure ? https.request : http.request;
    // The policy bounds requests in flight; the agent keeps their connections for the next ones.
    this.agent = new (secure ? https.Agent : http.Agent)({ keepAlive: true, timeout: IDLE_MS, scheduling: 'lifo' });
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (url.username !== '' || url.password !== '') {
      const user = decodeURIComponent(url.username);
      const password = decodeURIComponent(url.password);
      headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    }
    this.options = {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      port: url.port === '' ? undefined : Number(url.port),
      path: `${url.pathname}${url.search}`,
      headers,
      agent: this.agent,
    };
    // Logs and metrics must not show secrets: no credentials, no query string.
    this.name = `${url.origin}${url.pathname}${url.search === '' ? '' : '?…'}`;
  }

  decide(request: ValidationRequest, signal: HookSignal): Promise<boolean> {
    const { client } = request;
    const body = JSON.stringify({
      name: request.name,
      value: request.value,
      transport: client.transport,
      remoteAddress: client.remoteAddress,
      user: client.user,
    });
    return new Promise<boolean>((resolve, reject) => {
      const options = {
        ...this.options,
        headers: { ...this.options.headers, 'content-length': Buffer.byteLength(body) },
      };
      const req = this.request(options, (res) => {
        const status = res.statusCode ?? 0;
        let seen = 0;
        res.on('data', (chunk: Buffer) => {
          seen += chunk.length;
          // The answer's body means nothing: past the limit, stop reading and close the connection.
          if (seen > MAX_BODY_BYTES) {
            res.destroy();
            settle();
          }
        });
        res.once('end', () => settle());
        res.once('error', () => settle());
        const settle = (): void => {
          signal.offAbort(abort);
          if (status >= 200 && status < 300) resolve(true);
          else if (status === 403 || status === 422) resolve(false);
          else {
            const hint = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
            reject(new Error(`answered HTTP ${status}${hint}`));
          }
        };
      });
      // Aborted at the timeout: the connection is closed, never reused.
      const abort = (): void => {
        req.destroy(new Error('timed out'));
      };
      req.once('error', (err) => {
        signal.offAbort(abort);
        reject(new Error('the request failed', { cause: err }));
      });
      signal.onAbort(abort);
      req.end(body);
    });
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}
