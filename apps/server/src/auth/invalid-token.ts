/** A bearer token that was read but is not acceptable (bad signature, expired, wrong audience…): 401 invalid_token. */
export class InvalidToken extends Error {}
