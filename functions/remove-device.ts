/**
 * removeDevice: DELETE /users/{user}/fcm_registration_tokens
 */
import * as functions from '@google-cloud/functions-framework';
import {endpoint, type Endpoint} from '../shared/http/handler';
import {parseDeviceRequest} from '../shared/http/device-request';
import {sendEmpty} from '../shared/http/respond';
import {tokenId} from '../shared/firestore/collections';
import {productionRuntime, type Runtime} from '../shared/runtime';

/** The part of the runtime removeDevice uses (unit tests pass fakes of exactly this). */
export type RemoveDeviceRuntime = Pick<
  Runtime,
  'config' | 'log' | 'authenticate'
> & {
  devices: Pick<Runtime['devices'], 'remove'>;
};

export const removeDevice: Endpoint<RemoveDeviceRuntime> = async (
  req,
  res,
  runtime,
  log,
) => {
  const {user, body} = await parseDeviceRequest(
    req,
    'DELETE',
    runtime.authenticate,
  );
  await runtime.devices.remove(user.id, body.registration_id);
  log.info('device removed', {
    userId: user.id,
    tokenId: tokenId(body.registration_id),
  });
  sendEmpty(res, 204);
};

export const makeRemoveDevice = (
  getRuntime: () => RemoveDeviceRuntime = productionRuntime,
) => endpoint('removeDevice', getRuntime, removeDevice);

functions.http('removeDevice', makeRemoveDevice());
