import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { ImageRef } from '../item/images';
import { imageInputFields, modelField } from './fields';
import type { ImageSlot } from './imageSlots';
import { slotRefs } from './imageSlots';

export const operation = {
	name: 'Image to Video',
	value: 'imageToVideo',
	action: 'Generate a video from an image',
	description: 'Animate one image, optionally guided by a prompt',
} as const;

const SLOTS: ImageSlot[] = [{ label: 'Image', binaryName: 'imageBinaryProperty', binaryDefault: 'data', urlName: 'imageUrl' }];

export const model = modelField('imageToVideo', 'cogvideox-3');

export const fields: INodeProperties[] = [...imageInputFields('imageToVideo', SLOTS)];

export function imageRefs(ctx: IExecuteFunctions, itemIndex: number): ImageRef[] {
	return slotRefs(ctx, itemIndex, SLOTS);
}
