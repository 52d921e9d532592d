/**
 * The call that checks an API key, per platform: free, it needs a valid key, and each platform documents it with
 * the parameters sent here (API-EVIDENCE.md D1). The credential's Test button sends it; `npm run check:live` checks
 * that the real API answers it as read here.
 * - BigModel: GET /files, its file list, with `purpose` (documented as required) and `limit` (1 to 100).
 * - Z.ai: no list is documented; POST /tokenizer counts the tokens of a short text with a model of its docs.
 */
import type { Platform } from '../models';

export interface KeyCheck {
	method: 'GET' | 'POST';
	path: string;
	query: Record<string, string | number>;
	body?: { model: string; messages: Array<{ role: 'user'; content: string }> };
}

export const KEY_CHECK: Record<Platform, KeyCheck> = {
	china: { method: 'GET', path: '/files', query: { purpose: 'batch', limit: 1 } },
	international: {
		method: 'POST',
		path: '/tokenizer',
		query: {},
		body: { model: 'glm-4.6', messages: [{ role: 'user', content: 'n8n credential test' }] },
	},
};
