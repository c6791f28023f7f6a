/**
 * removeDevice: DELETE /users/{user}/fcm_registration_tokens
 */
import * as functions from '@google-cloud/functions-framework';
import {endpoint, type Endpoint} from '../shared/http/handler';
import {runDeviceRequest} from '../shared/http/device-request';
import {sendEmpty} from '../shared/http/respond';
import {tokenId} from '../shared/firestore/collections';
import {productionRuntime, type Runtime} from '../shared/runtime';

/** The part of the runtime removeDevice uses (unit tests pass fakes of exactly this). */
export type RemoveDeviceRuntime = Pick<
  Runtime,
  'config' | 'log' | 'authenticate' | 'recognize'
> & {
  devices: Pick<Runtime['devices'], 'remove'>;
};

export const removeDevice: Endpoint<RemoveDeviceRuntime> = async (
  req,
  res,
  runtime,
  log,
) => {
  const {devices} = runtime;
  const {userId, registrationId} = await runDeviceRequest(
    req,
    'DELETE',
    runtime,
    {
      verified: (user, token, options) => devices.remove(user, token, options),
      authenticated: (user, token) => devices.remove(user, token),
    },
  );
  log.info('device removed', {userId, tokenId: tokenId(registrationId)});
  sendEmpty(res, 204);
};

export const makeRemoveDevice = (
  getRuntime: () => RemoveDeviceRuntime = productionRuntime,
) => endpoint('removeDevice', getRuntime, removeDevice);

functions.http('removeDevice', makeRemoveDevice());
