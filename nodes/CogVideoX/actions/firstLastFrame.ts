import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { ImageRef } from '../item/images';
import { imageInputFields, modelField } from './fields';
import type { ImageSlot } from './imageSlots';
import { slotRefs } from './imageSlots';

export const operation = {
	name: 'First & Last Frame to Video',
	value: 'firstLastFrame',
	action: 'Generate a video between two frames',
	description: 'Generate the motion from a first frame to a last frame',
} as const;

// The API takes the frames as a list, first frame first.
const SLOTS: ImageSlot[] = [
	{ label: 'First Frame', binaryName: 'firstFrameBinaryProperty', binaryDefault: 'first', urlName: 'firstFrameUrl' },
	{ label: 'Last Frame', binaryName: 'lastFrameBinaryProperty', binaryDefault: 'last', urlName: 'lastFrameUrl' },
];

export const model = modelField('firstLastFrame', 'cogvideox-3');

export const fields: INodeProperties[] = [...imageInputFields('firstLastFrame', SLOTS)];

export function imageRefs(ctx: IExecuteFunctions, itemIndex: number): ImageRef[] {
	return slotRefs(ctx, itemIndex, SLOTS);
}
