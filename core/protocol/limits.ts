// The limits of SPEC section 1; the rules that use them are in rules.ts.

export const MAX_NAME_BYTES = 250;
export const DEFAULT_MAX_LINE_BYTES = 65536;
