/** Operations whose images each have a binary-property field and a URL field; which one counts follows Image Source. */
import type { IExecuteFunctions } from 'n8n-workflow';

import type { ImageRef } from '../item/images';

export interface ImageSlot {
	label: string;
	binaryName: string;
	binaryDefault: string;
	urlName: string;
}

export function imageSourceOf(ctx: IExecuteFunctions, itemIndex: number): 'binary' | 'url' {
	return ctx.getNodeParameter('imageSource', itemIndex, 'binary') === 'url' ? 'url' : 'binary';
}

/** An image reference named as the editor names its field: "<label> URL" or "<label> Binary Property". */
export function imageRef(source: 'binary' | 'url', label: string, value: string): ImageRef {
	return source === 'url' ? { field: `${label} URL`, source, url: value } : { field: `${label} Binary Property`, source, property: value };
}

export function slotRefs(ctx: IExecuteFunctions, itemIndex: number, slots: ImageSlot[]): ImageRef[] {
	const source = imageSourceOf(ctx, itemIndex);
	return slots.map((slot) =>
		imageRef(source, slot.label, String(ctx.getNodeParameter(source === 'url' ? slot.urlName : slot.binaryName, itemIndex, ''))),
	);
}
