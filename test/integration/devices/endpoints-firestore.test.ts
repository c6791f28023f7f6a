/** The device endpoints with the `firestore` backend (DEVICE_GROUPS=firestore). */
import {describeDeviceEndpoints} from './endpoints.suite';

describeDeviceEndpoints('firestore');
