/**
 * cron: GET /cron, triggered by Cloud Scheduler. (Scheduled tasks arrive with the cron issue.)
 */
import * as functions from '@google-cloud/functions-framework';
import { AppError } from '../shared/errors';
import { endpoint, type Endpoint } from '../shared/http/handler';
import { productionRuntime, type Runtime } from '../shared/runtime';

export const cron: Endpoint = async () => {
  throw new AppError('not-implemented', 'Not Implemented.');
};

export const makeCron = (getRuntime: () => Runtime = productionRuntime) => endpoint('cron', getRuntime, cron);

functions.http('cron', makeCron());
