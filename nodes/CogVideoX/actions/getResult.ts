import type { INodeProperties } from 'n8n-workflow';

export const operation = {
	name: 'Get Result',
	value: 'getResult',
	action: 'Get the result of a video task',
	description: 'Check a task by its ID, optionally wait for it, and download the video',
} as const;

export const fields: INodeProperties[] = [
	{
		displayName: 'Task ID',
		name: 'taskId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. 8151713284912300001',
		description:
			"The ID a generate operation returned, e.g. from a run with Wait for Completion off. Several IDs (separated by commas, spaces or new lines), or the node's lines from n8n's log pasted as they are, give one output item each.",
		displayOptions: { show: { operation: ['getResult'] } },
	},
];
