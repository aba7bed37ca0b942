// Which web origins may use the gateway from a browser (SPEC section 9): its
// own (the scheme, host and port of the request's Host) and those listed in
// --allowed-origins (`*`: every one).

export class OriginPolicy {
  private readonly listed: ReadonlySet<string>;
  private readonly any: boolean;

  /** `allowed`: origins as --allowed-origins gives them (lower case, no path). */
  constructor(allowed: readonly string[]) {
    this.any = allowed.includes('*');
    this.listed = new Set(allowed);
  }

  /** True when a page of `origin` may use the gateway reached as `host` (the Host header) over TLS or not. */
  allows(origin: string, host: string | undefined, secure: boolean): boolean {
    if (this.any) return true;
    const lower = origin.toLowerCase();
    if (this.listed.has(lower)) return true;
    return host !== undefined && lower === ownOrigin(host, secure);
  }
}

/** The origin of a request to `host`: browsers leave a default port out of Origin. */
function ownOrigin(host: string, secure: boolean): string {
  const defaultPort = secure ? ':443' : ':80';
  let hostPort = host.toLowerCase();
  if (hostPort.endsWith(defaultPort)) hostPort = hostPort.slice(0, -defaultPort.length);
  return `${secure ? 'https' : 'http'}://${hostPort}`;
}
