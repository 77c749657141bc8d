/**
 * Credentials from an `Authorization: Basic ...` header, or undefined when the header is not Basic.
 * OAuth2 clients form-encode id and secret first (RFC 6749 §2.3.1); users' HTTP Basic
 * (RFC 7617) does not, so `formEncoded: false` keeps a password such as `a+b%41` intact.
 */
export function parseBasicAuth(
  header: string | undefined,
  { formEncoded = true }: { formEncoded?: boolean } = {},
): { id: string; secret: string } | undefined {
  if (!header) return undefined;
  const m = /^Basic\s+([A-Za-z0-9+/=._~-]+)\s*$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const id = decoded.slice(0, colon);
  const secret = decoded.slice(colon + 1);
  return formEncoded ? { id: formDecode(id), secret: formDecode(secret) } : { id, secret };
}

// RFC 6749 §2.3.1 has clients form-encode id and secret before Base64; plain values pass through.
function formDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

export function parseBearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}
