// `http://...` / `https://...`: POSTs `{"name","value","transport",
// "remoteAddress","user"}` as JSON over kept-alive connections; 2xx allows,
// 403 and 422 refuse, anything else (a redirect too: none is followed) is an
// error. Through undici's Pool: measured here at about twice the calls per
// CPU second of node:http with a keep-alive agent, and ten times `fetch`.

import { type Dispatcher, Pool } from 'undici';
import type { HookSignal } from '../validation/hook-signal.js';
import type { ValidationRequest } from '../validation/validation.js';
import type { Validator } from '../validation/validator.js';
import { requestJson } from './request-json.js';

/** Answer bytes read (and dropped) so the connection can be reused; past it the connection is closed. */
const MAX_BODY_BYTES = 64 * 1024;
/** Idle kept-alive connections are closed after this (or sooner, if the server says so). */
const IDLE_MS = 4000;
const TIMED_OUT = new Error('timed out');
const TOO_LONG = new Error(`an answer longer than ${MAX_BODY_BYTES} bytes`);

export class WebhookValidator implements Validator {
  readonly name: string;
  private readonly pool: Pool;
  private readonly path: string;
  private readonly headers: Record<string, string>;

  constructor(url: URL) {
    // The policy bounds calls in flight; the pool keeps a connection for each, for the next calls.
    this.pool = new Pool(url.origin, { keepAliveTimeout: IDLE_MS });
    this.path = `${url.pathname}${url.search}`;
    this.headers = { 'content-type': 'application/json' };
    if (url.username !== '' || url.password !== '') {
      const user = decodeURIComponent(url.username);
      const password = decodeURIComponent(url.password);
      this.headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    }
    // Logs and metrics must not show secrets: no credentials, no query string.
    this.name = `${url.origin}${url.pathname}${url.search === '' ? '' : '?…'}`;
  }

  decide(request: ValidationRequest, signal: HookSignal): Promise<boolean> {
    const body = requestJson(request);
    return new Promise<boolean>((resolve, reject) => {
      const call = new WebhookCall(signal, resolve, reject);
      // `dispatch` with a small handler: no response object and no body stream per call.
      this.pool.dispatch({ method: 'POST', path: this.path, headers: this.headers, body }, call);
    });
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

/** One POST: undici's handler for it, and the verdict its status gives. */
class WebhookCall implements Dispatcher.DispatchHandler {
  private status = 0;
  private bytes = 0;
  private settled = false;
  private abort: ((err: Error) => void) | null = null;

  constructor(
    private readonly signal: HookSignal,
    private readonly resolve: (allowed: boolean) => void,
    private readonly reject: (err: Error) => void,
  ) {
    signal.onAbort(this.onAbort);
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abort = abort;
    if (this.signal.aborted) abort(TIMED_OUT);
  }

  onHeaders(status: number): boolean {
    this.status = status;
    return true;
  }

  onData(chunk: Buffer): boolean {
    // The body means nothing: read and dropped, the connection closed past the limit.
    this.bytes += chunk.length;
    if (this.bytes > MAX_BODY_BYTES) {
      this.finish();
      this.abort?.(TOO_LONG);
    }
    return true;
  }

  onComplete(): void {
    this.finish();
  }

  onError(err: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.signal.offAbort(this.onAbort);
    this.reject(new Error('the request failed', { cause: err }));
  }

  private readonly onAbort = (): void => {
    this.abort?.(TIMED_OUT);
  };

  private finish(): void {
    if (this.settled) return;
    this.settled = true;
    this.signal.offAbort(this.onAbort);
    const { status } = this;
    if (status >= 200 && status < 300) this.resolve(true);
    else if (status === 403 || status === 422) this.resolve(false);
    else {
      const hint = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
      this.reject(new Error(`answered HTTP ${status}${hint}`));
    }
  }
}
