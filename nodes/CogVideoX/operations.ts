/** The node's operations: their menu entries and fields, and how each reads an item's images. */
import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import * as firstLastFrame from './actions/firstLastFrame';
import * as getResult from './actions/getResult';
import * as imageToVideo from './actions/imageToVideo';
import * as referenceToVideo from './actions/referenceToVideo';
import * as textToVideo from './actions/textToVideo';
import type { ImageRef } from './item/images';
import type { Operation } from './models';

export type NodeOperation = Operation | 'getResult';

export const GENERATORS: Record<Operation, { imageRefs: (ctx: IExecuteFunctions, itemIndex: number) => ImageRef[] }> = {
	textToVideo,
	imageToVideo,
	firstLastFrame,
	referenceToVideo,
};

const GENERATOR_LIST = [textToVideo, imageToVideo, firstLastFrame, referenceToVideo];
const ALL = [...GENERATOR_LIST, getResult];

export const operationField: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	options: ALL.map(({ operation }) => ({ ...operation })),
	default: 'textToVideo',
};

/** Each generate operation's Model parameter: one name, with the models of that operation. */
export const modelFields: INodeProperties[] = GENERATOR_LIST.map(({ model }) => model);

/** The image and task fields of each operation. */
export const operationFields: INodeProperties[] = ALL.flatMap(({ fields }) => fields);

export function isGenerator(operation: string): operation is Operation {
	return operation in GENERATORS;
}
