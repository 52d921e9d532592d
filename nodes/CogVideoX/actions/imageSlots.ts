/** Operations whose images each have a binary-property field and a URL field; which one counts follows Image Source. */
import type { IExecuteFunctions } from 'n8n-workflow';

import type { ImageRef } from '../images';

export interface ImageSlot {
	label: string;
	binaryName: string;
	binaryDefault: string;
	urlName: string;
}

export function imageSourceOf(ctx: IExecuteFunctions, itemIndex: number): 'binary' | 'url' {
	return ctx.getNodeParameter('imageSource', itemIndex, 'binary') === 'url' ? 'url' : 'binary';
}

export function slotRefs(ctx: IExecuteFunctions, itemIndex: number, slots: ImageSlot[]): ImageRef[] {
	const source = imageSourceOf(ctx, itemIndex);
	return slots.map((slot) =>
		source === 'url'
			? { field: `${slot.label} URL`, source, url: String(ctx.getNodeParameter(slot.urlName, itemIndex, '')) }
			: { field: `${slot.label} Binary Property`, source, property: String(ctx.getNodeParameter(slot.binaryName, itemIndex, '')) },
	);
}
