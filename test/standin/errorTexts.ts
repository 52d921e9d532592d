// The API's error texts, in Chinese (BigModel's default) and English (what Z.ai answers with Accept-Language: en-US).
// Recorded answers where they exist (API-EVIDENCE.md section 3), else the platforms' error-code tables (S8);
// `{name}` marks a value the API fills in. Texts no source records are marked as our wording.

export type Language = 'zh' | 'en';

export const ERROR_TEXTS = {
	authMissing: {
		zh: 'Header中未收到Authorization参数，无法进行身份验证。',
		en: 'Authorization parameter not received in Header, unable to authenticate.',
	},
	authInvalid: { zh: '身份验证失败。', en: 'Authentication failed.' },
	noBalance: { zh: '余额不足或无可用资源包,请充值。', en: 'Insufficient balance or no resource package. Please recharge.' }, // P10
	unknownModel: { zh: '模型不存在，请检查模型代码。', en: 'Unknown Model, please check the model code.' },
	paramInvalid: { zh: '{field}参数非法。请检查文档。', en: 'Invalid parameter: {field}. Please check the documentation.' },
	duplicate: { zh: '您已有请求：{requestId}', en: 'You already have a request: {requestId}' },
	rateLimit: { zh: '您的账户已达到速率限制，请您控制请求频率', en: 'Rate limit reached for requests' }, // P9, P8
	// The Chinese text is recorded (P7); the English one is our wording.
	overloaded: { zh: '该模型当前访问量过大，请您稍后再试', en: 'The model is currently overloaded, please try again later' },
	// The table's template (S8) with the values of the recorded answer; the English one is our wording.
	usageCap: {
		zh: '已达到 {number} {unit} 的使用上限。您的限额将在 {resetAt} 重置。',
		en: 'Usage limit of {number} {unit} reached. Your limit will reset at {resetAt}.',
	},
	// No source records what an unknown task id gets (API-EVIDENCE.md section 5, question 3): our wording.
	taskNotFound: { zh: '任务不存在', en: 'Task not found' },
} as const;

export type ErrorTextName = keyof typeof ERROR_TEXTS;

export function errorText(name: ErrorTextName, language: Language, values: Record<string, string> = {}): string {
	return ERROR_TEXTS[name][language].replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
}
