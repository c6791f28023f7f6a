/**
 * addDevice: POST /users/{user}/fcm_registration_tokens
 */
import * as functions from '@google-cloud/functions-framework';
import {endpoint, type Endpoint} from '../shared/http/handler';
import {runDeviceRequest} from '../shared/http/device-request';
import {sendJson} from '../shared/http/respond';
import {productionRuntime, type Runtime} from '../shared/runtime';
import {tokenJson} from '../shared/http/token-json';

/** The part of the runtime addDevice uses (unit tests pass fakes of exactly this). */
export type AddDeviceRuntime = Pick<
  Runtime,
  'config' | 'log' | 'authenticate' | 'recognize'
> & {
  devices: Pick<Runtime['devices'], 'add'>;
};

export const addDevice: Endpoint<AddDeviceRuntime> = async (
  req,
  res,
  runtime,
  log,
) => {
  const {devices} = runtime;
  const {
    userId,
    result: {token, created},
  } = await runDeviceRequest(req, 'POST', runtime, {
    verified: (user, registrationId, options) =>
      devices.add(user, registrationId, options),
    authenticated: (user, registrationId) => devices.add(user, registrationId),
  });
  log.info(created ? 'device registered' : 'device registration refreshed', {
    userId,
    tokenId: token.id,
  });
  sendJson(res, created ? 201 : 200, tokenJson(token));
};

/** The HTTP function, for a given runtime (tests) or the production one. */
export const makeAddDevice = (
  getRuntime: () => AddDeviceRuntime = productionRuntime,
) => endpoint('addDevice', getRuntime, addDevice);

functions.http('addDevice', makeAddDevice());
