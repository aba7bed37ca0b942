// `http://...` / `https://...`: POSTs `{"name","value","transport",
// "remoteAddress"}` as JSON; 2xx allows, 403 and 422 refuse, anything else
// (a redirect too: none is followed) is an error.

import type { ValidationRequest } from '../validation/validation.js';
import type { Validator } from '../validation/validator.js';

/** Response bytes read (and dropped) so the connection can be reused; past it the body is cancelled. */
const MAX_BODY_BYTES = 64 * 1024;

export class WebhookValidator implements Validator {
  readonly name: string;
  private readonly url: string;
  private readonly headers: Record<string, string>;

  constructor(url: URL) {
    const target = new URL(url.href);
    this.headers = { 'content-type': 'application/json' };
    // fetch refuses credentials in a URL: send them as Basic authentication.
    if (target.username !== '' || target.password !== '') {
      const user = decodeURIComponent(target.username);
      const password = decodeURIComponent(target.password);
      this.headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
      target.username = '';
      target.password = '';
    }
    this.url = target.href;
    // Logs and metrics must not show secrets: no credentials, no query string.
    this.name = `${target.origin}${target.pathname}${target.search === '' ? '' : '?…'}`;
  }

  async decide(request: ValidationRequest, signal: AbortSignal): Promise<boolean> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: this.headers,
      body: JSON.stringify({
        name: request.name,
        value: request.value,
        transport: request.client.transport,
        remoteAddress: request.client.remoteAddress,
      }),
      redirect: 'manual',
      signal,
    });
    await discardBody(response);
    const { status } = response;
    if (status >= 200 && status < 300) return true;
    if (status === 403 || status === 422) return false;
    const hint = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
    throw new Error(`answered HTTP ${status}${hint}`);
  }
}

async function discardBody(response: Response): Promise<void> {
  const body = response.body;
  if (body === null) return;
  const reader = body.getReader();
  let seen = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    seen += value.byteLength;
    if (seen > MAX_BODY_BYTES) {
      await reader.cancel();
      return;
    }
  }
}
