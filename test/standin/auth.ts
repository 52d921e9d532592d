// Bearer check. The raw API key is the normal token; a Zhipu-style HS256 JWT signed with the key's
// secret is accepted as well, because API.md calls signing optional and the node may choose it.
import { createHmac, timingSafeEqual } from 'node:crypto';

export function isAuthorized(header: string | undefined, apiKey: string, now = Date.now()): boolean {
	const match = /^Bearer (\S+)$/.exec(header ?? '');
	if (!match) return false;
	return match[1] === apiKey || isValidJwt(match[1], apiKey, now);
}

function isValidJwt(token: string, apiKey: string, now: number): boolean {
	const parts = token.split('.');
	const [id, secret] = apiKey.split('.');
	if (parts.length !== 3 || !id || !secret) return false;
	const expected = createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest();
	const given = Buffer.from(parts[2], 'base64url');
	if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
	const payload = parseJson(Buffer.from(parts[1], 'base64url').toString('utf8'));
	if (payload?.api_key !== id || typeof payload.exp !== 'number') return false;
	// The SDKs put exp in milliseconds; tolerate seconds too.
	const expMs = payload.exp < 1e12 ? payload.exp * 1000 : payload.exp;
	return expMs > now;
}

function parseJson(text: string): Record<string, unknown> | undefined {
	try {
		const value: unknown = JSON.parse(text);
		return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
	} catch {
		return undefined;
	}
}
