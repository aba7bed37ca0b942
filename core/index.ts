// The public surface of the core: what transports, clients and tools import.

export { AccessControl, EVERYONE, permissionDenied, rateLimited } from './access/access-control.js';
export { Acl, AclUser, Permission } from './access/acl.js';
export { Identity, MAX_AUTH_FAILURES } from './access/identity.js';
export { NamePattern } from './access/name-pattern.js';
export { AclParseError, parseAcl } from './access/parse-acl.js';
export { RateLimiter } from './access/rate-limiter.js';
export { hashToken, newToken } from './access/token.js';
export type { CommandObserver } from './command-observer.js';
export { Outcome } from './command-observer.js';
export { Engine, type StoreOutcome } from './engine.js';
export { ErrorCode, JnhpError, storageUnavailable, toJnhpError } from './errors.js';
export { Name } from './name.js';
export { type Command, Op } from './protocol/command.js';
export { formatError, Reply } from './protocol/format-reply.js';
export { DEFAULT_MAX_LINE_BYTES, MAX_NAME_BYTES } from './protocol/limits.js';
export { LineSplitter, Next } from './protocol/line-splitter.js';
export { ParseScratch, parseCommand } from './protocol/parse-command.js';
export { LineSession, type Peer, type SessionOptions } from './session.js';
export type { MaybePromise, Store } from './store/store.js';
export { type ClientInfo, DEFAULT_USER, Transport, type Validation, Verdict } from './validation/validation.js';
