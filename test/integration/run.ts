/** Runs the CogVideoX node's execute() against the stand-in API over real HTTP. */
import type { INodeExecutionData } from 'n8n-workflow';

import { CogVideoX } from '../../nodes/CogVideoX/CogVideoX.node';
import type { ContextOptions, ParameterValue, TestContext } from '../helpers/executeContext';
import { createContext } from '../helpers/executeContext';
import type { Standin, StandinOptions } from '../standin/server';
import { startStandin } from '../standin/server';

export interface RunResult {
	items: INodeExecutionData[];
	test: TestContext;
}

export const DEFAULT_PARAMETERS: Record<string, ParameterValue> = {
	operation: 'textToVideo',
	model: 'cogvideox-3',
	prompt: 'A red fox runs through snow',
	waitForCompletion: true,
	videoSettings: {},
	options: { pollInterval: 0.05 },
};

export function credentialsFor(standin: Standin) {
	return { apiKey: standin.apiKey, region: 'custom', baseUrl: standin.apiUrl };
}

/** Executes the node; the context is cleaned up by the caller through `test.cleanup()` or left for the OS. */
export async function runNode(
	standin: Standin,
	parameters: Record<string, ParameterValue>,
	options: Partial<ContextOptions> = {},
): Promise<RunResult> {
	const test = createContext({
		credentials: credentialsFor(standin),
		...options,
		parameters: { ...DEFAULT_PARAMETERS, ...parameters },
	});
	const [items] = await new CogVideoX().execute.call(test.ctx);
	return { items, test };
}

/** The error a run throws; fails the test if the run succeeds. */
export async function runError(
	standin: Standin,
	parameters: Record<string, ParameterValue>,
	options: Partial<ContextOptions> = {},
): Promise<Error & { description?: string; httpCode?: string }> {
	try {
		await runNode(standin, parameters, options);
	} catch (error) {
		return error as Error;
	}
	throw new Error('expected the run to fail');
}

/** A stand-in for one test file, closed after it; quick videos unless `options` says otherwise. */
export function standinsOfThisFile(): (options?: StandinOptions) => Promise<Standin> {
	const opened: Standin[] = [];
	afterAll(async () => Promise.all(opened.map((standin) => standin.close())));
	return async (options = {}) => {
		const standin = await startStandin({ generationMs: 150, ...options });
		opened.push(standin);
		return standin;
	};
}
