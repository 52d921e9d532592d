import type { INodeProperties } from 'n8n-workflow';

import type { ImageRef } from '../item/images';
import { modelField } from './fields';

export const operation = {
	name: 'Text to Video',
	value: 'textToVideo',
	action: 'Generate a video from text',
	description: 'Generate a video from a prompt',
} as const;

export const model = modelField('textToVideo', 'cogvideox-3');

export const fields: INodeProperties[] = [];

export function imageRefs(): ImageRef[] {
	return [];
}
