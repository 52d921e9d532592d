import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { ImageRef } from '../item/images';
import { IMAGE_COUNT } from '../models';
import { modelField } from './fields';
import { imageRef, imageSourceOf } from './imageSlots';

export const operation = {
	name: 'Reference Images to Video',
	value: 'referenceToVideo',
	action: 'Generate a video from reference images',
	description: 'Generate a video that keeps the subjects of 1 to 3 reference images',
} as const;

const { min, max } = IMAGE_COUNT.referenceToVideo;

export const model = modelField('referenceToVideo', 'vidu2-reference');

export const fields: INodeProperties[] = [
	{
		displayName: 'Reference Images',
		name: 'referenceImages',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, maxAllowedFields: max },
		placeholder: 'Add Reference Image',
		default: { images: [{ binaryProperty: 'data' }] },
		description: `${min} to ${max} images of the subjects (people, products, scenes) the video must keep`,
		displayOptions: { show: { operation: ['referenceToVideo'] } },
		options: [
			{
				name: 'images',
				displayName: 'Image',
				values: [
					{
						displayName: 'Binary Property',
						name: 'binaryProperty',
						type: 'string',
						default: 'data',
						description: 'Name of the binary property of the input item that holds the image',
						displayOptions: { show: { '/imageSource': ['binary'] } },
					},
					{
						displayName: 'URL',
						name: 'url',
						type: 'string',
						default: '',
						placeholder: 'e.g. https://example.com/reference.png',
						description: 'Public http(s) URL of the image; the API fetches it',
						displayOptions: { show: { '/imageSource': ['url'] } },
					},
				],
			},
		],
	},
];

export function imageRefs(ctx: IExecuteFunctions, itemIndex: number): ImageRef[] {
	const source = imageSourceOf(ctx, itemIndex);
	const entries = ctx.getNodeParameter('referenceImages.images', itemIndex, []) as Array<{ binaryProperty?: string; url?: string }>;
	return entries.map((entry, index) =>
		imageRef(source, `Reference Images › Image ${index + 1}`, String((source === 'url' ? entry.url : entry.binaryProperty ?? 'data') ?? '')),
	);
}
