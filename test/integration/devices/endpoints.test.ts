/** The device endpoints with the `fcm` backend (FCM device groups). */
import {describeDeviceEndpoints} from './endpoints.suite';

describeDeviceEndpoints('fcm');
